"""Cancelling one person of a group registration.

The customer takes one attendee (not themselves: that is cancelling the registration)
out of a group, under the same rules and refund policy as cancelling the whole
registration, through the checkout's one cancel service: the person's order line is
cancelled and refunded by ``events.refund_policy`` from the line's paid share (its
total less its pro-rata part of the order's discounts and points, never more than the
order still holds, see ``commerce.cancelling.lines_paid``); the coalition points the
order earned are reversed in proportion by the loyalty app on the order's refund. The
freed place goes to the waiting list and the customer is told what changed."""

from django.db import transaction
from django.utils import timezone

from skypark.audit.services import audit_log
from skypark.commerce.cancelling import order_lines_cancel, order_lines_for, refund_policy_get
from skypark.commerce.models import Order

from ..errors import AttendeeNotCancellable
from ..models import Registration, RegistrationAttendee
from ._common import _event_locked, _notify, _place_release, _site_url
from .cancelling import POLICY_KEY, _cancel_refusal
from .registering import _promote


def _line_of(registration: Registration, attendee: RegistrationAttendee):
    for line in order_lines_for(order=registration.order, item=registration):
        if line.metadata.get("attendee") == attendee.pk and line.cancelled_at is None:
            return line
    return None


@transaction.atomic
def registration_attendee_cancel(*, registration: Registration, attendee_id: int, actor, now=None):
    """Cancels one attendee of ``registration``. Locks the event, then the
    registration (the checkout then locks the order and its lines). Refuses with
    ``AttendeeNotCancellable`` (the customer themselves, the last person, an unpaid
    order: pay or cancel it whole) and with the registration's own cancel refusals
    (too late, not active). Returns ``(registration, refunded amount)``."""
    now = now or timezone.now()
    event = _event_locked(registration.event_id)
    registration = Registration.objects.select_for_update(of=("self",)).select_related("order").get(pk=registration.pk)
    registration.event = event
    attendee = registration.attendees.filter(pk=attendee_id, cancelled_at__isnull=True).first()
    if attendee is None or attendee.is_customer or registration.places < 2:
        raise AttendeeNotCancellable(details={"attendee": attendee_id})
    refusal = _cancel_refusal(registration, now=now)
    if refusal is not None:
        raise refusal
    order = registration.order
    refunded = None
    if order is not None and order.status == Order.Status.PENDING_PAYMENT:
        raise AttendeeNotCancellable(details={"attendee": attendee_id, "order": order.status})
    if order is not None and order.status in Order.PAID_STATUSES:
        line = _line_of(registration, attendee)
        if line is None:
            raise AttendeeNotCancellable(details={"attendee": attendee_id})
        result = order_lines_cancel(
            order=order,
            lines=[line],
            policy=refund_policy_get(POLICY_KEY),
            starts_at=event.starts_at,
            actor=actor,
            reason=f"attendee {attendee.name} cancelled by the customer",
            now=now,
        )
        refunded = result.refunded
    attendee.cancelled_at = now
    attendee.save(update_fields=["cancelled_at"])
    held = registration.holds_place
    registration.places -= 1
    registration.save(update_fields=["places", "updated_at"])
    if held:
        _place_release(event, 1)
        _promote(event, now=now)
    audit_log(
        actor=actor,
        action="events.registration.attendee_cancelled",
        obj=registration,
        data={"attendee": attendee.name, "refunded": str(refunded or 0), "places": registration.places},
    )
    _notify(
        registration.customer,
        "events.attendee_cancelled",
        context={
            "event": event,
            "registration": registration,
            "attendee": attendee.name,
            "refunded": refunded,
            "currency": order.currency if order is not None else event.currency,
            "url": _site_url("events:registration-detail", registration.pk),
        },
        related=registration,
        dedupe_key=f"events.attendee_cancelled.{attendee.pk}",
    )
    return registration, refunded or 0
