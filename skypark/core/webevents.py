"""Steps of a visit that the analytics record, told by any app without importing it.

A view calls ``web_event(request, kind, ...)``; the step is kept on the request, and the
analytics middleware (``skypark.analytics.web``) writes the request's steps, together with
its page view, in one insert once the response is ready. With the analytics middleware
not installed nothing is written, so an app never depends on analytics being there.
``web_event_context(request, product=...)`` tags the request's page view instead (the
purchase page says what is on sale).
"""

ATTRIBUTE = "_web_events"
CONTEXT_ATTRIBUTE = "_web_event_context"


def web_event(request, kind, *, product="", object_id=""):
    if request is None:
        return
    steps = getattr(request, ATTRIBUTE, None)
    if steps is None:
        steps = []
        setattr(request, ATTRIBUTE, steps)
    steps.append({"kind": kind, "product": str(product)[:20], "object_id": str(object_id)[:40]})


def web_event_context(request, **values):
    if request is None:
        return
    context = getattr(request, CONTEXT_ATTRIBUTE, None) or {}
    context.update(values)
    setattr(request, CONTEXT_ATTRIBUTE, context)


def web_events_of(request) -> list:
    return list(getattr(request, ATTRIBUTE, None) or [])


def web_event_context_of(request) -> dict:
    return dict(getattr(request, CONTEXT_ATTRIBUTE, None) or {})
