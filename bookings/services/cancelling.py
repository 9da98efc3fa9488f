"""The cancellation policy, cancelling a booking and staff refunds."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.cancelling import CancelQuote, order_lines_cancel, order_lines_for, refund_quote
from skypark.commerce.models import Order
from skypark.commerce.services import order_refund

from .. import signals
from ..errors import BookingNotCancellable, InvalidAttendees
from ..models import ZERO, Booking
from ..selectors import cancellation_policy
from ._common import booking_notify, discount_use_return, places_release

RefundDue = CancelQuote


def _booking_lines(booking):
    return order_lines_for(order=booking.order, item=booking) if booking.order_id else []


def refund_due(*, booking, now=None) -> CancelQuote:
    """What the cancellation policy (``bookings.refund_policy``) gives back if
    ``booking`` is cancelled at ``now``: a percent of what was paid for it after the
    discount code, less what was already refunded, by the hours left before the session
    starts. Each bound is inclusive ("up to 7 days before" includes exactly 7 days)."""
    now = now or timezone.now()
    if booking.order_id is None:
        return CancelQuote(
            order=Order(currency=booking.currency),
            lines=[],
            policy=cancellation_policy(),
            starts_at=booking.session.starts_at,
            now=now,
            paid=ZERO,
            percent=ZERO,
            amount=ZERO,
        )
    return refund_quote(
        order=booking.order,
        lines=_booking_lines(booking),
        policy=cancellation_policy(),
        starts_at=booking.session.starts_at,
        now=now,
    )


@transaction.atomic
def booking_cancel(
    *, booking, actor=None, reason: str = "", now=None, full_refund=False, refund_amount=None, by_staff=False
) -> Booking:
    """Cancels a booking and gives its places back, through the checkout's one cancel
    service (``order_lines_cancel``).

    Unpaid: the order is cancelled. Paid: the refund follows the cancellation policy
    unless staff pass ``full_refund`` or an explicit ``refund_amount``. The payment
    status becomes ``refunded`` or ``partially refunded`` after what came back. A
    customer can cancel only before the session starts. Locks the booking, then the
    order and its lines (inside the checkout), then the session. A second cancel (a
    double click) waits for the booking lock and is refused with
    ``BookingNotCancellable``: the money goes back once."""
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
    if booking.order_id:
        result = order_lines_cancel(
            order=booking.order,
            lines=_booking_lines(booking),
            policy=cancellation_policy(),
            starts_at=booking.session.starts_at,
            amount=refund_amount,
            full_refund=full_refund and refund_amount is None,
            actor=actor,
            reason=reason,
            now=now,
        )
        booking.order = result.order
        refunded = result.refunded
    if booking.order_id and booking.order.status in Order.PAID_STATUSES:
        booking.payment_status = Booking.PaymentStatus.PAID
        booking.refunded_amount += refunded
        booking.payment_status = booking.payment_status_after_refund()
    else:
        booking.payment_status = Booking.PaymentStatus.FAILED
        discount_use_return(booking)
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
    signals.booking_cancelled.send(sender=Booking, booking=booking, now=now, reason=reason)
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
        Booking.PaymentStatus.PARTIALLY_REFUNDED,
        Booking.PaymentStatus.REFUNDED,
    ):
        raise BookingNotCancellable(_("Only a paid booking can be refunded."), details={"status": booking.status})
    before = snapshot(booking)
    refunds = order_refund(order=booking.order, amount=amount, reason=reason, actor=actor)
    given = sum((r.amount for r in refunds), ZERO)
    booking.refunded_amount += given
    booking.payment_status = booking.payment_status_after_refund()
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
