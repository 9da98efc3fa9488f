"""The Prometheus endpoint: ``/metrics``.

Request, response, latency and database figures come from django-prometheus (its
middleware and database wrappers); Celery's from the task signals below, served by each
worker on ``CELERY_METRICS_PORT``; the business figures are read from the database at
scrape time by each app's ``metrics.collect()`` (sales and admissions today, scans,
backlogs, the oldest waiting message), so every web node answers for the whole network.
Each of those queries is bounded by an index on a date or status column; nothing counts
a whole history table.

Not public: a scraper sends ``Authorization: Bearer <METRICS_TOKEN>``, or a staff
member looks from a logged-in browser. Anyone else gets a 404.
"""

import hmac
import os
import time
from importlib import import_module

from celery.signals import task_failure, task_postrun, task_prerun, task_retry, worker_init
from django.apps import apps
from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

TASKS = Counter("skypark_celery_tasks_total", "Celery tasks finished, by task and state", ["task", "state"])
TASK_SECONDS = Histogram("skypark_celery_task_seconds", "Celery task run time", ["task"])
_started = {}


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


@never_cache
def metrics_view(request):
    if not _allowed(request):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def _registry():
    """One process: the default registry. Several gunicorn workers
    (``PROMETHEUS_MULTIPROC_DIR`` set): every worker's request and database figures added
    up from their files, plus the business figures read once."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import CollectorRegistry, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(BusinessCollector())
    return registry


class BusinessCollector:
    """Collects every app's ``metrics.collect()`` families at scrape time."""

    def collect(self):
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.metrics")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.metrics":
                    raise
                continue
            if module.__name__ != __name__:
                yield from module.collect()
        yield from _queue_lengths()

    def describe(self):
        return []


def _queue_lengths():
    """Messages waiting in the broker's default queue (Redis only)."""
    url = settings.CELERY_BROKER_URL
    family = GaugeMetricFamily("skypark_celery_queue_length", "Messages waiting in the Celery queue", labels=["queue"])
    if url.startswith(("redis://", "rediss://")):
        import redis

        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            family.add_metric([settings.CELERY_TASK_DEFAULT_QUEUE], client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))
        except redis.RedisError:
            pass
    yield family


_registered = False


def register():
    global _registered
    if not _registered:
        REGISTRY.register(BusinessCollector())
        _registered = True


@task_prerun.connect
def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.monotonic()


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    began = _started.pop(task_id, None)
    name = getattr(task, "name", "?")
    TASKS.labels(name, state or "UNKNOWN").inc()
    if began is not None:
        TASK_SECONDS.labels(name).observe(time.monotonic() - began)


@task_failure.connect
def _task_failed(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "?"), "FAILURE_RAISED").inc()


@task_retry.connect
def _task_retried(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "?"), "RETRY_SCHEDULED").inc()


@worker_init.connect
def _serve_worker_metrics(**kwargs):
    """A worker serves its own task figures on CELERY_METRICS_PORT (0: off)."""
    port = getattr(settings, "CELERY_METRICS_PORT", 0)
    if port:
        from prometheus_client import start_http_server

        start_http_server(port, addr=settings.CELERY_METRICS_ADDRESS)
