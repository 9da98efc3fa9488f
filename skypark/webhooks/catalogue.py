"""The catalogue of webhook events: each domain registers its events with a description and
the JSON Schema of their ``data`` next to the code that builds the payload (e.g.
``loyalty/webhooks.py``); the API schema publishes them (``skypark.core.api.docs``) and a
test checks emitted payloads against them."""

from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class WebhookEvent:
    name: str
    description: str
    data_schema: dict
    example: dict


_EVENTS: dict[str, WebhookEvent] = {}


def register(name: str, *, description: str, data_schema: dict, example: dict) -> WebhookEvent:
    event = WebhookEvent(name, description, data_schema, example)
    _EVENTS[name] = event
    return event


def events() -> list[WebhookEvent]:
    autodiscover_modules("webhooks")
    return sorted(_EVENTS.values(), key=lambda event: event.name)


ENVELOPE = {
    "type": "object",
    "description": "The body of every webhook request.",
    "properties": {
        "event": {"type": "string", "description": "The event's name, e.g. `points.awarded`."},
        "id": {"type": "string", "description": "Unique per event; a retried delivery repeats it."},
        "merchant": {"type": "string", "description": "The code of the merchant the event belongs to."},
        "data": {"type": "object", "description": "The event's payload (see its schema)."},
    },
    "required": ["event", "id", "merchant", "data"],
}
