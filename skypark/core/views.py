from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from skypark.core.health import broker_ok, database_ok


@require_GET
@never_cache
def healthz_live(request):
    """Liveness: the process answers (no dependency checked). A failing one is restarted."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def healthz(request):
    """Readiness (also served at ``/healthz``): 200 "ok"; 200 "degraded" when only the
    analytics sync lags behind its bound (reports are stale, the platform works); 503 when
    the database or the broker is down, and the node is taken out of the load balancer,
    not restarted."""
    from skypark.analytics.sync import lag_exceeded

    checks = {"database": database_ok(connection), "broker": broker_ok()}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {k: "ok" if v else "down" for k, v in checks.items()},
    }
    if healthy:
        lagging = lag_exceeded()
        body["checks"]["analytics"] = "lagging" if lagging else "ok"
        if lagging:
            body["status"] = "degraded"
            body["lagging"] = lagging
    return JsonResponse(body, status=200 if healthy else 503)


def _wants_json(request):
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"error": {"code": "not_found", "message": "Not found."}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"error": {"code": "server_error", "message": "Internal server error."}}, status=500)
    return defaults.server_error(request)


def home(request):
    return render(request, "home.html")
