"""The course-booking webhooks, through the core's one sender
(``skypark.webhooks.services.webhook_emit``). Courses belong to the network, not to a
merchant, so they go to the endpoints of the merchant named by the
``BOOKINGS_WEBHOOK_MERCHANT`` setting (its code: e.g. the training business's own CRM,
registered as a merchant with a webhook endpoint); with none set nothing is sent. The
receivers below listen to ``bookings.signals``, so the services know nothing of webhooks.

* ``booking.confirmed`` — paid (or free) and confirmed.
* ``booking.cancelled`` — by the customer, staff, a session cancellation or a refund.
* ``booking.attendance_marked`` — an instructor marked a named attendee present or absent.
"""

from django.conf import settings

from skypark.webhooks.catalogue import register
from skypark.webhooks.services import webhook_emit

BOOKING_CONFIRMED = "booking.confirmed"
BOOKING_CANCELLED = "booking.cancelled"
ATTENDANCE_MARKED = "booking.attendance_marked"
EVENTS = (BOOKING_CONFIRMED, BOOKING_CANCELLED, ATTENDANCE_MARKED)

_BOOKING = {
    "reference": {"type": "string", "description": "The booking's reference."},
    "course": {"type": "string", "description": "The course's name."},
    "session": {"type": "integer", "description": "The session's id."},
    "starts_at": {"type": "string", "format": "date-time"},
    "places": {"type": "integer"},
    "status": {"type": "string"},
    "at": {"type": "string", "format": "date-time", "description": "When it happened."},
}
_REQUIRED = ["reference", "course", "session", "starts_at", "places", "status", "at"]
_EXAMPLE = {
    "reference": "RF7K3M9P2Q",
    "course": "First Aid at Work",
    "session": 214,
    "starts_at": "2027-03-29T08:30:00Z",
    "places": 3,
    "status": "confirmed",
    "at": "2027-03-01T09:12:40Z",
}

register(
    BOOKING_CONFIRMED,
    description="A course booking is confirmed.",
    data_schema={"type": "object", "properties": _BOOKING, "required": _REQUIRED},
    example=_EXAMPLE,
)
register(
    BOOKING_CANCELLED,
    description="A course booking was cancelled; `reason` says why.",
    data_schema={
        "type": "object",
        "properties": {**_BOOKING, "reason": {"type": "string"}},
        "required": [*_REQUIRED, "reason"],
    },
    example={**_EXAMPLE, "status": "cancelled", "reason": "Cancelled by the customer."},
)
register(
    ATTENDANCE_MARKED,
    description="An attendee of a booking was marked present or absent.",
    data_schema={
        "type": "object",
        "properties": {
            **_BOOKING,
            "attendee": {"type": "integer", "description": "The attendee's id."},
            "present": {"type": "boolean"},
        },
        "required": [*_REQUIRED, "attendee", "present"],
    },
    example={**_EXAMPLE, "attendee": 5120, "present": True},
)


def _owner():
    from skypark.accounts.models import Merchant

    code = getattr(settings, "BOOKINGS_WEBHOOK_MERCHANT", "")
    return Merchant.objects.filter(code=code).first() if code else None


def _payload(booking, now, **extra) -> dict:
    session = booking.session
    return {
        "reference": booking.reference,
        "course": session.course.name,
        "session": session.pk,
        "starts_at": session.starts_at.isoformat(),
        "places": booking.places,
        "status": booking.status,
        "at": now.isoformat(),
        **extra,
    }


def _emit(name, event_id, booking, now, **extra):
    owner = _owner()
    if owner is None:
        return []
    return webhook_emit(event=name, event_id=event_id, owner=owner, payload=_payload(booking, now, **extra))


def on_booking_confirmed(sender, booking, now, **kwargs):
    _emit(BOOKING_CONFIRMED, f"{BOOKING_CONFIRMED}:{booking.reference}", booking, now)


def on_booking_cancelled(sender, booking, now, reason="", **kwargs):
    _emit(BOOKING_CANCELLED, f"{BOOKING_CANCELLED}:{booking.reference}", booking, now, reason=str(reason))


def on_attendance_marked(sender, attendee, booking, now, **kwargs):
    _emit(
        ATTENDANCE_MARKED,
        f"{ATTENDANCE_MARKED}:{attendee.pk}:{int(now.timestamp())}",
        booking,
        now,
        attendee=attendee.pk,
        present=attendee.attendance == "present",
    )
