"""One id per request, in every log line it causes — in the web process and in the Celery
tasks it queues.

The web tier takes a sane ``X-Request-ID`` from the proxy (nginx sets one) or makes one,
answers with it, and keeps it in a context variable for the request. A task published
while it is set carries it in its message headers; the worker sets it again for the
task's run, so the lines a purchase writes on the web node and on a worker share an id.
"""

import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

request_id = contextvars.ContextVar("request_id", default="")
HEADER = "X-Request-ID"
VALID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        value = given if VALID.match(given) else new_id()
        token = request_id.set(value)
        request.request_id = value
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = value
        return response


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (empty outside a request or task)."""

    def filter(self, record):
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


@before_task_publish.connect
def _carry_into_task(headers=None, **kwargs):
    value = request_id.get()
    if value and headers is not None:
        headers.setdefault("request_id", value)


_tokens = {}


@task_prerun.connect
def _task_starts(task_id=None, task=None, **kwargs):
    value = getattr(task.request, "request_id", None) if task is not None else None
    if value is None and task is not None:
        value = (getattr(task.request, "headers", None) or {}).get("request_id")
    if value:
        _tokens[task_id] = request_id.set(value)


@task_postrun.connect
def _task_ends(task_id=None, **kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)
