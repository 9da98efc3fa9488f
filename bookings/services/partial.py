"""Cancelling one attendee of a course booking.

The customer takes one named person out of a paid group booking before the session
starts, under the cancellation policy (``bookings.refund_policy``), through the
checkout's one cancel service: that person's order line is cancelled and refunded from
its paid share (the line's total less its pro-rata part of the discount code and
points, never more than the order still holds); the coalition points the order earned
are reversed in proportion by the loyalty app on the refund. The place goes back on
sale (and to the waiting list) and the customer is told what changed."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.cancelling import order_lines_cancel, order_lines_for

from ..errors import BookingNotCancellable
from ..models import ZERO, Booking
from ..selectors import cancellation_policy
from ._common import booking_notify, places_release


@transaction.atomic
def booking_attendee_cancel(*, booking, attendee_id: int, actor=None, now=None):
    """Cancels one attendee of a confirmed (paid) group booking. Locks the booking, then
    the order and its lines (inside the checkout), then the session. Refuses with
    ``BookingNotCancellable``: not confirmed (an unpaid booking is paid or cancelled
    whole), started, the last person, or an unknown or already cancelled attendee.
    Returns ``(booking, refunded amount)``."""
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("session__course", "session__venue", "customer", "order")
        .get(pk=booking.pk)
    )
    attendee = booking.attendees.filter(pk=attendee_id, cancelled_at__isnull=True).first()
    if booking.status != Booking.Status.CONFIRMED or attendee is None or booking.places < 2:
        raise BookingNotCancellable(details={"status": booking.status, "attendee": attendee_id})
    if booking.session.starts_at <= now:
        raise BookingNotCancellable(_("The session has already started."), details={"status": booking.status})
    line = next(
        (
            line
            for line in order_lines_for(order=booking.order, item=booking)
            if line.metadata.get("attendee") == attendee.pk and line.cancelled_at is None
        ),
        None,
    )
    if line is None:
        raise BookingNotCancellable(details={"status": booking.status, "attendee": attendee_id})
    before = snapshot(booking)
    result = order_lines_cancel(
        order=booking.order,
        lines=[line],
        policy=cancellation_policy(),
        starts_at=booking.session.starts_at,
        actor=actor,
        reason=f"attendee {attendee.name} cancelled by the customer",
        now=now,
    )
    refunded = result.refunded or ZERO
    attendee.cancelled_at = now
    attendee.save(update_fields=["cancelled_at"])
    booking.places -= 1
    booking.refunded_amount += refunded
    booking.payment_status = booking.payment_status_after_refund()
    booking.save(update_fields=["places", "refunded_amount", "payment_status", "updated_at"])
    places_release(booking.session_id, 1)
    booking_notify(
        booking=booking,
        kind="bookings.attendee_cancelled",
        dedupe_key=f"bookings.attendee_cancelled.{attendee.pk}",
        extra={"refund": refunded, "attendee": attendee.name},
    )
    audit_log(
        actor=actor,
        action="bookings.booking.attendee_cancelled",
        obj=booking,
        before=before,
        after=snapshot(booking),
        data={"attendee": attendee.name, "refund": str(refunded)},
    )
    return booking, refunded
