"""The customer cancels: the deadline, the refund quote, releasing the place."""

import datetime

from django.db import transaction
from django.utils import timezone

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.cancelling import (
    CancelQuote,
    order_lines_cancel,
    order_lines_for,
    refund_policy_get,
    refund_quote,
)
from skypark.commerce.models import Order
from skypark.config.selectors import get_int

from .. import signals
from ..errors import (
    CancellationClosed,
    NotCancellable,
)
from ..models import (
    ACTIVE,
    Event,
    Registration,
)
from ._common import (
    Status,
    _event_locked,
    _place_release,
)
from .registering import (
    _promote,
)


def cancellation_deadline(event: Event) -> datetime.datetime:
    hours = event.cancellation_cutoff_hours
    if hours is None:
        hours = get_int("events.cancellation_cutoff_hours")
    return event.starts_at - datetime.timedelta(hours=hours)


POLICY_KEY = "events.refund_policy"


def _cancel_refusal(registration: Registration, *, now):
    event = registration.event
    if registration.status not in ACTIVE or event.starts_at <= now:
        return NotCancellable(details={"status": registration.status})
    if registration.status in (Status.CONFIRMED, Status.PENDING_PAYMENT) and now > cancellation_deadline(event):
        return CancellationClosed(details={"deadline": cancellation_deadline(event).isoformat()})
    return None


def registration_cancel_refusal(registration: Registration, *, now=None) -> str:
    """Why the customer cannot cancel ``registration`` now ("" when they can)."""
    refusal = _cancel_refusal(registration, now=now or timezone.now())
    return refusal.message if refusal is not None else ""


def registration_refund_quote(*, registration: Registration, now=None) -> CancelQuote | None:
    """What cancelling ``registration`` at ``now`` gives back under
    ``events.refund_policy``, or None when it has no order. Reads only."""
    if registration.order_id is None:
        return None
    return refund_quote(
        order=registration.order,
        lines=order_lines_for(order=registration.order, item=registration),
        policy=refund_policy_get(POLICY_KEY),
        starts_at=registration.event.starts_at,
        now=now,
        closes_at=cancellation_deadline(registration.event),
    )


def _order_settle(registration: Registration, *, actor, reason):
    """Cancels the registration's order lines through the checkout's cancel service: an
    unpaid order is cancelled, a paid one refunded in full."""
    order = registration.order
    if order is None or order.status not in (Order.Status.PENDING_PAYMENT, *Order.PAID_STATUSES):
        return
    order_lines_cancel(
        order=order,
        lines=order_lines_for(order=order, item=registration),
        full_refund=True,
        actor=actor,
        reason=reason,
    )


def _release_locked(event: Event, registration: Registration, *, status, now):
    held = registration.holds_place
    registration.status = status
    registration.cancelled_at = now if status == Status.CANCELLED else registration.cancelled_at
    registration.offer_expires_at = None
    registration.save()
    if status == Status.CANCELLED:
        signals.registration_cancelled.send(sender=Registration, registration=registration, now=now)
    if held:
        _place_release(event, registration.places)
        _promote(event, now=now)


def _cancel_locked(registration: Registration, event: Event, *, actor, now):
    before = snapshot(registration)
    order = registration.order
    if order is not None and order.status in (Order.Status.PENDING_PAYMENT, *Order.PAID_STATUSES):
        order_lines_cancel(
            order=order,
            lines=order_lines_for(order=order, item=registration),
            policy=refund_policy_get(POLICY_KEY),
            starts_at=event.starts_at,
            actor=actor,
            reason="registration cancelled by the customer",
            now=now,
        )
    _release_locked(event, registration, status=Status.CANCELLED, now=now)
    audit_log(
        actor=actor,
        action="events.registration.cancelled",
        obj=registration,
        before=before,
        after=snapshot(registration),
    )


@transaction.atomic
def registration_cancel(*, registration: Registration, actor, now=None) -> Registration:
    """The customer cancels. Waiting-list places and offers can be given up until the
    start; a held place until the cancellation cut-off, through the checkout's cancel
    service: a paid order is refunded as ``events.refund_policy`` says, an unpaid one is
    cancelled. The freed places go to the waiting list. A group is cancelled as one:
    cancelling the customer's own registration cancels the parts split from it too
    (all or none); a part alone can be cancelled as well. Locks the event, then the
    registrations (the checkout then locks the order and its lines); a second cancel
    waits for those locks and is refused with ``NotCancellable``."""
    now = now or timezone.now()
    event = _event_locked(registration.event_id)
    registration = Registration.objects.select_for_update(of=("self",)).select_related("order").get(pk=registration.pk)
    registration.event = event
    group = [registration]
    if registration.part_of_id is None:
        group += list(
            Registration.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(part_of=registration, status__in=ACTIVE)
            .order_by("pk")
        )
    for member in group:
        member.event = event
        refusal = _cancel_refusal(member, now=now)
        if refusal is not None:
            raise refusal
    # Waiting parts first, so the places the group frees are not offered to itself.
    for member in sorted(group, key=lambda r: r.holds_place):
        _cancel_locked(member, event, actor=actor, now=now)
    return registration
