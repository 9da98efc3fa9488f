import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from skypark.core.errors import DomainError

from .bounces import SIGNATURE_HEADER, BounceSignatureInvalid, bounces_receive

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def bounce_webhook(request):
    """The mail provider's signed bounce reports (``notify.bounces``): 400 for a bad
    signature or a malformed report (nothing is recorded then), 200 with each report's
    outcome otherwise."""
    try:
        results = bounces_receive(request.body, request.headers.get(SIGNATURE_HEADER, ""))
    except BounceSignatureInvalid as exc:
        logger.warning("Refused a bounce report: %s", exc.code)
        return JsonResponse({"error": exc.as_dict()}, status=400)
    except DomainError as exc:
        return JsonResponse({"error": exc.as_dict()}, status=400)
    return JsonResponse({"received": len(results), "results": results})
