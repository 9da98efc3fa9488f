"""What the events' write modules share: the line kind, locking the event row, taking and
releasing a place, confirming and notifying."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from skypark.commerce import qr
from skypark.notify.confirmations import confirmation_queue

from .. import signals
from ..models import (
    Event,
    Registration,
)

LINE_KIND = "events.registration"
CENT = Decimal("0.01")
Status = Registration.Status


def _site_url(name, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _notify(recipient, kind, *, context, related=None, dedupe_key=None):
    """Queues a notification once the caller's transaction commits, so a rolled-back
    write sends nothing."""
    from skypark.notify.services import notification_send

    def send():
        notification_send(
            recipient=recipient,
            kind=kind,
            context=context,
            channels=("email", "in_app"),
            related=related,
            dedupe_key=dedupe_key,
        )

    transaction.on_commit(send)


def _event_locked(event_id) -> Event:
    return Event.objects.select_for_update().get(pk=event_id)


def _has_free_place(event: Event) -> bool:
    return event.capacity is None or event.places_taken < event.capacity


def _free_places(event: Event) -> int | None:
    """Places left on the locked event; None when it has no limit."""
    return None if event.capacity is None else max(event.capacity - event.places_taken, 0)


def _fits(event: Event, places: int) -> bool:
    free = _free_places(event)
    return free is None or places <= free


def _place_take(event: Event, places: int = 1):
    event.places_taken += places
    event.save(update_fields=["places_taken", "updated_at"])


def _place_release(event: Event, places: int = 1):
    event.places_taken = max(event.places_taken - places, 0)
    event.save(update_fields=["places_taken", "updated_at"])


def _code_issue(registration: Registration):
    registration.qr_code = qr.code_issue("registration", registration.pk)


def _confirm(registration: Registration, *, now):
    registration.status = Status.CONFIRMED
    registration.confirmed_at = now
    registration.offer_expires_at = None
    _code_issue(registration)
    signals.registration_confirmed.send(sender=Registration, registration=registration, now=now)


def _notify_confirmed(registration: Registration):
    """The confirmation with the ticket PDF and calendar file, after commit (see
    ``events.confirmations``)."""
    confirmation_queue(obj=registration)
