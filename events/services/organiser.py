"""Organiser actions: cancelling and duplicating an event."""

import datetime

from django.db import transaction
from django.utils import timezone

from skypark.audit.services import audit_log, snapshot

from .. import signals
from ..errors import (
    EventNotCancellable,
)
from ..models import (
    ACTIVE,
    Event,
    Registration,
)
from ._common import (
    Status,
    _event_locked,
    _notify,
    _place_release,
)
from .cancelling import (
    _order_settle,
)

# --- organiser actions ------------------------------------------------------------------


@transaction.atomic
def event_cancel(*, event: Event, actor, reason: str = "") -> Event:
    """The organiser cancels the event. Locks the event row; the registrations are then
    cancelled, refunded in full and notified once by ``event_registrations_cancel`` in a
    Celery task queued on commit (one transaction per registration, safe to re-run)."""
    from ..tasks import events_registrations_cancel

    event = _event_locked(event.pk)
    if event.status not in (Event.Status.DRAFT, Event.Status.PUBLISHED):
        raise EventNotCancellable(details={"status": event.status})
    before = snapshot(event)
    event.status = Event.Status.CANCELLED
    event.cancelled_at = timezone.now()
    event.cancellation_reason = reason
    event.save(update_fields=["status", "cancelled_at", "cancellation_reason", "updated_at"])
    audit_log(actor=actor, action="events.event.cancelled", obj=event, before=before, after=snapshot(event))
    events_registrations_cancel.delay_on_commit(event.pk, getattr(actor, "pk", None))
    return event


def event_registrations_cancel(*, event_id: int, actor=None) -> int:
    """Cancels every open registration of a cancelled event: paid orders are refunded in
    full, unpaid ones cancelled, and each member is told once (notify dedupe key). Each
    registration is its own transaction (event, then registration locked), so a run
    killed mid-way is finished by the next one and a second run does nothing."""
    ids = list(
        Registration.objects.filter(event_id=event_id, status__in=ACTIVE).order_by("pk").values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            event = _event_locked(event_id)
            if event.status != Event.Status.CANCELLED:
                return done
            registration = (
                Registration.objects.select_for_update(of=("self",))
                .select_related("order", "customer")
                .filter(pk=pk, status__in=ACTIVE)
                .first()
            )
            if registration is None:
                continue
            _order_settle(registration, actor=actor, reason="event cancelled by the organiser")
            held = registration.holds_place
            registration.status = Status.CANCELLED
            registration.cancelled_at = timezone.now()
            registration.cancelled_by_organiser = True
            registration.offer_expires_at = None
            registration.save()
            signals.registration_cancelled.send(
                sender=Registration, registration=registration, now=registration.cancelled_at, by_organiser=True
            )
            if held:
                _place_release(event, registration.places)
            audit_log(actor=actor, action="events.registration.cancelled_by_organiser", obj=registration)
            _notify(
                registration.customer,
                "events.event_cancelled",
                context={"event": event, "registration": registration, "refunded": registration.order_id is not None},
                related=registration,
                dedupe_key=f"events.event_cancelled.{registration.pk}",
            )
            done += 1
    return done


@transaction.atomic
def event_duplicate(*, event: Event, starts_at=None, actor=None) -> Event:
    """A draft copy of ``event`` for a recurring series, a week later unless
    ``starts_at`` is given; nothing of the original's registrations is copied."""
    starts_at = starts_at or event.starts_at + datetime.timedelta(days=7)
    copy = Event.objects.get(pk=event.pk)
    copy.pk = None
    copy.id = None
    copy.starts_at = starts_at
    copy.ends_at = starts_at + (event.ends_at - event.starts_at)
    copy.status = Event.Status.DRAFT
    copy.places_taken = 0
    copy.reminders_sent = []
    copy.cancelled_at = None
    copy.cancellation_reason = ""
    copy.full_clean()
    copy.save()
    audit_log(actor=actor, action="events.event.duplicated", obj=copy, after=snapshot(copy), data={"from": event.pk})
    return copy
