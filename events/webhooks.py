"""The event webhooks an organiser (a merchant) can receive about its own events, through
the core's one sender (``skypark.webhooks.services.webhook_emit``). Events organised by
the community itself belong to no merchant and send nothing. The receivers below listen
to ``events.signals``, so the services that confirm, cancel and check in know nothing of
webhooks.

* ``registration.confirmed`` — a place is confirmed (free, or paid).
* ``registration.cancelled`` — by the customer, the organiser, or a refund.
* ``registration.attendance_marked`` — the person was checked in at the door.
"""

from skypark.webhooks.catalogue import register
from skypark.webhooks.services import webhook_emit

REGISTRATION_CONFIRMED = "registration.confirmed"
REGISTRATION_CANCELLED = "registration.cancelled"
REGISTRATION_ATTENDED = "registration.attendance_marked"
EVENTS = (REGISTRATION_CONFIRMED, REGISTRATION_CANCELLED, REGISTRATION_ATTENDED)

_SCHEMA = {
    "type": "object",
    "properties": {
        "registration": {"type": "integer", "description": "The registration's id."},
        "event": {"type": "integer", "description": "The event's id."},
        "event_title": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "places": {"type": "integer", "description": "People on the registration (the customer and named attendees)."},
        "status": {"type": "string"},
        "at": {"type": "string", "format": "date-time", "description": "When it happened."},
    },
    "required": ["registration", "event", "event_title", "starts_at", "places", "status", "at"],
}
_EXAMPLE = {
    "registration": 812,
    "event": 41,
    "event_title": "Trivia night",
    "starts_at": "2027-03-05T14:00:00Z",
    "places": 2,
    "status": "confirmed",
    "at": "2027-03-01T09:12:40Z",
}

register(
    REGISTRATION_CONFIRMED,
    description="A place at one of your events is confirmed.",
    data_schema=_SCHEMA,
    example=_EXAMPLE,
)
register(
    REGISTRATION_CANCELLED,
    description="A registration for one of your events was cancelled (`by_organiser` says who).",
    data_schema={
        **_SCHEMA,
        "properties": {**_SCHEMA["properties"], "by_organiser": {"type": "boolean"}},
        "required": [*_SCHEMA["required"], "by_organiser"],
    },
    example={**_EXAMPLE, "status": "cancelled", "by_organiser": False},
)
register(
    REGISTRATION_ATTENDED,
    description="Someone registered for one of your events was checked in.",
    data_schema=_SCHEMA,
    example={**_EXAMPLE, "status": "attended"},
)


def _payload(registration, now, **extra) -> dict:
    event = registration.event
    return {
        "registration": registration.pk,
        "event": event.pk,
        "event_title": event.title,
        "starts_at": event.starts_at.isoformat(),
        "places": registration.places,
        "status": registration.status,
        "at": now.isoformat(),
        **extra,
    }


def _emit(name, registration, now, **extra):
    event = registration.event
    if not event.organiser_id:
        return []
    return webhook_emit(
        event=name,
        event_id=f"{name}:{registration.pk}:{int(now.timestamp())}",
        owner=event.organiser,
        payload=_payload(registration, now, **extra),
    )


def on_registration_confirmed(sender, registration, now, **kwargs):
    _emit(REGISTRATION_CONFIRMED, registration, now)


def on_registration_cancelled(sender, registration, now, by_organiser=False, **kwargs):
    _emit(REGISTRATION_CANCELLED, registration, now, by_organiser=bool(by_organiser))


def on_registration_attended(sender, registration, now, **kwargs):
    _emit(REGISTRATION_ATTENDED, registration, now)
