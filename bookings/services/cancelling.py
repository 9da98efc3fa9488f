"""The cancellation policy, cancelling a booking and staff refunds."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.models import Order
from skypark.commerce.services import order_cancel, order_refund
from skypark.config.selectors import get_decimal, get_int

from ..errors import BookingNotCancellable, InvalidAttendees
from ..models import ZERO, Booking
from ._common import CENT, booking_notify, discount_use_return, places_release


@dataclass
class RefundDue:
    percent: Decimal
    amount: Decimal
    rule: str  # "full", "partial", "none"


def refund_due(*, booking, now=None) -> RefundDue:
    """What the cancellation policy gives back if ``booking`` is cancelled at ``now``:
    everything still refundable when at least ``bookings.refund_full_days`` days are
    left before the session starts, ``bookings.refund_partial_percent`` % when at least
    ``bookings.refund_partial_hours`` hours are left, nothing after. Each bound is
    inclusive ("up to 7 days before" includes exactly 7 days)."""
    now = now or timezone.now()
    left = booking.session.starts_at - now
    paid = booking.amount - booking.refunded_amount
    if booking.payment_status not in (Booking.PaymentStatus.PAID, Booking.PaymentStatus.REFUNDED) or paid <= 0:
        return RefundDue(percent=ZERO, amount=ZERO, rule="none")
    if left >= datetime.timedelta(days=get_int("bookings.refund_full_days")):
        percent, rule = Decimal(100), "full"
    elif left >= datetime.timedelta(hours=get_int("bookings.refund_partial_hours")):
        percent, rule = get_decimal("bookings.refund_partial_percent"), "partial"
    else:
        percent, rule = ZERO, "none"
    amount = (paid * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return RefundDue(percent=percent, amount=amount, rule=rule if amount > 0 else "none")


@transaction.atomic
def booking_cancel(
    *, booking, actor=None, reason: str = "", now=None, full_refund=False, refund_amount=None, by_staff=False
) -> Booking:
    """Cancels a booking and gives its places back.

    Unpaid: the order is cancelled in the checkout. Paid: the refund follows
    ``refund_due`` (the cancellation policy) unless staff pass ``full_refund`` or an
    explicit ``refund_amount``; it goes back through ``order_refund``. A customer can
    cancel only before the session starts. Locks the booking, then the order (inside
    the checkout), then the session. Raises ``BookingNotCancellable``."""
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("session__course", "session__venue", "customer", "order")
        .get(pk=booking.pk)
    )
    if booking.status not in (Booking.Status.PENDING, Booking.Status.CONFIRMED):
        raise BookingNotCancellable(details={"status": booking.status})
    if not by_staff and booking.session.starts_at <= now:
        raise BookingNotCancellable(_("The session has already started."), details={"status": booking.status})
    before = snapshot(booking)
    reason = (reason or _("Cancelled by the customer.")).strip()
    refunded = ZERO
    paid = booking.status == Booking.Status.CONFIRMED
    if booking.status == Booking.Status.PENDING and booking.order_id:
        # Race condition: the payment may have completed a moment ago, with the
        # order_paid receiver not yet run. Read the order under its lock and treat a paid
        # one as paid, so the customer's money is refunded rather than kept.
        order = Order.objects.select_for_update().get(pk=booking.order_id)
        if order.status == Order.Status.PENDING_PAYMENT:
            order_cancel(order=order, actor=actor, reason=reason)
        elif order.status in Order.PAID_STATUSES:
            paid = True
            booking.payment_status = Booking.PaymentStatus.PAID
    if not paid:
        booking.payment_status = Booking.PaymentStatus.FAILED
        discount_use_return(booking)
    else:
        if refund_amount is not None:
            refunded = Decimal(refund_amount)
        elif full_refund:
            refunded = booking.amount - booking.refunded_amount
        else:
            refunded = refund_due(booking=booking, now=now).amount
        if refunded > 0 and booking.order_id:
            order_refund(order=booking.order, amount=refunded, reason=reason, actor=actor)
            booking.refunded_amount += refunded
            booking.payment_status = Booking.PaymentStatus.REFUNDED
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancellation_reason = reason[:255]
    booking.save(
        update_fields=[
            "status",
            "payment_status",
            "refunded_amount",
            "cancelled_at",
            "cancellation_reason",
            "updated_at",
        ]
    )
    places_release(booking.session_id, booking.places)
    booking_notify(
        booking=booking,
        kind="bookings.cancellation",
        dedupe_key=f"bookings.cancellation.{booking.pk}",
        extra={"refund": refunded, "reason": reason},
    )
    audit_log(
        actor=actor,
        action="bookings.booking.cancelled",
        obj=booking,
        before=before,
        after=snapshot(booking),
        data={"refund": str(refunded), "reason": reason},
    )
    return booking


@transaction.atomic
def booking_refund(*, booking, amount=None, reason: str, actor) -> Booking:
    """A staff refund (full when ``amount`` is None, or partial) without cancelling, e.g.
    a goodwill gesture. Locks the booking, then the order in the checkout, which refuses
    more than is left. ``reason`` is required."""
    if not (reason or "").strip():
        raise InvalidAttendees(_("Give a reason for the refund."), code="reason_required", details={"field": "reason"})
    booking = Booking.objects.select_for_update(of=("self",)).select_related("order").get(pk=booking.pk)
    if booking.order_id is None or booking.payment_status not in (
        Booking.PaymentStatus.PAID,
        Booking.PaymentStatus.REFUNDED,
    ):
        raise BookingNotCancellable(_("Only a paid booking can be refunded."), details={"status": booking.status})
    before = snapshot(booking)
    refunds = order_refund(order=booking.order, amount=amount, reason=reason, actor=actor)
    given = sum((r.amount for r in refunds), ZERO)
    booking.refunded_amount += given
    booking.payment_status = Booking.PaymentStatus.REFUNDED
    booking.save(update_fields=["refunded_amount", "payment_status", "updated_at"])
    audit_log(
        actor=actor,
        action="bookings.booking.refunded",
        obj=booking,
        before=before,
        after=snapshot(booking),
        data={"amount": str(given), "reason": reason},
    )
    return booking
