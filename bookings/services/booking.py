"""Booking places and reacting to the checkout (paid, expired, cancelled, refunded)."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.models import Order
from skypark.commerce.services import order_create
from skypark.notify.confirmations import confirmation_queue

from .. import signals
from ..errors import InvalidAttendees, SessionFull, SessionNotBookable
from ..models import ZERO, Attendee, Booking, CourseSession, DiscountCode
from ._common import (
    LINE_KIND,
    Status,
    discount_use_return,
    order_bookings_locked,
    places_release,
    status_for_places,
)
from .discounts import discount_check, discount_normalise, discount_use_take

MAX_ATTENDEES = 50


@dataclass
class Price:
    places: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal
    currency: str
    code: DiscountCode | None = None

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount


def price_quote(*, session, places: int, discount_code: str = "", today=None) -> Price:
    """What ``places`` on ``session`` cost with ``discount_code``; raises
    ``DiscountRefused`` when the code does not apply. Writes nothing, locks nothing:
    the booking re-checks everything under its locks."""
    course = session.course
    subtotal = course.price * places
    price = Price(places=places, unit_price=course.price, subtotal=subtotal, discount=ZERO, currency=course.currency)
    text = discount_normalise(discount_code)
    if text:
        code = DiscountCode.objects.select_related("course_type").filter(code=text).first()
        discount_check(code=code, course=course, subtotal=subtotal, today=today or timezone.localdate())
        price.code, price.discount = code, code.discount_on(subtotal)
    return price


def _attendees_resolve(customer, attendees) -> list[dict]:
    if not attendees:
        return [{"name": (customer.name or str(customer))[:255], "email": customer.email or ""}]
    if len(attendees) > MAX_ATTENDEES:
        raise InvalidAttendees(
            ngettext(
                "At most %(n)s person can be booked at once.",
                "At most %(n)s people can be booked at once.",
                MAX_ATTENDEES,
            )
            % {"n": MAX_ATTENDEES},
            details={"field": "attendees"},
        )
    people = []
    for person in attendees:
        name = str(person.get("name") or "").strip()
        email = str(person.get("email") or "").strip()
        if not name:
            raise InvalidAttendees(details={"field": "attendees"})
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise InvalidAttendees(
                    _("%(email)s is not a valid e-mail address.") % {"email": email}, details={"field": "attendees"}
                )
        people.append({"name": name[:255], "email": email})
    return people


def _refusal(session, now) -> str:
    if not session.course.is_active:
        return "inactive_course"
    if session.status == Status.CANCELLED:
        return "cancelled"
    if session.status not in CourseSession.OPEN_STATUSES:
        return "not_published"
    if session.starts_at <= now:
        return "started"
    return ""


NOT_BOOKABLE_MESSAGES = {
    "inactive_course": lambda: _("This course is no longer offered."),
    "cancelled": lambda: _("This session has been cancelled."),
    "not_published": lambda: _("This session is not open for booking."),
    "started": lambda: _("This session has already started."),
}


def _order_lines(booking, course, session, start, attendees) -> list[dict]:
    """One line for one person; one line per person for a group (each with the
    attendee in its metadata), so one person can later be cancelled on their own."""
    description = f"{course.name}, {start:%d.%m.%Y %H:%M}, {session.venue.city}"
    metadata = {"booking": booking.reference, "session": session.pk}
    if len(attendees) == 1:
        return [
            {
                "kind": LINE_KIND,
                "item": booking,
                "description": description,
                "unit_price": course.price,
                "quantity": 1,
                "metadata": metadata,
            }
        ]
    return [
        {
            "kind": LINE_KIND,
            "item": booking,
            "description": f"{description} ({person.name})",
            "unit_price": course.price,
            "quantity": 1,
            "metadata": {**metadata, "attendee": person.pk},
        }
        for person in attendees
    ]


@transaction.atomic
def booking_create(*, customer, session, attendees=None, discount_code: str = "", notes: str = "", now=None) -> Booking:
    """Books places on ``session`` for the customer or for named ``attendees``
    (``[{"name", "email"}]``, one place each) and opens its order in the checkout.

    Locks the session row, re-checks status and places, then locks the discount-code
    row and counts a use. Raises ``SessionNotBookable``, ``SessionFull``,
    ``DiscountRefused`` or ``InvalidAttendees``; nothing is written then. The booking is
    pending until the ``order_paid`` signal confirms it (a free booking is confirmed as
    soon as this transaction commits)."""
    now = now or timezone.now()
    people = _attendees_resolve(customer, attendees)
    count = len(people)
    session = (
        CourseSession.objects.select_for_update(of=("self",))
        .select_related("course__course_type", "venue")
        .get(pk=session.pk)
    )
    reason = _refusal(session, now)
    if reason:
        raise SessionNotBookable(NOT_BOOKABLE_MESSAGES[reason](), details={"reason": reason})
    if session.places_taken + count > session.capacity:
        raise SessionFull(details={"places_left": session.places_left, "requested": count})
    course = session.course
    subtotal = course.price * count
    code, discount = None, ZERO
    text = discount_normalise(discount_code)
    if text:
        code, discount = discount_use_take(
            code_text=text, course=course, subtotal=subtotal, today=timezone.localdate(now)
        )
    booking = Booking.objects.create(
        customer=customer,
        session=session,
        places=count,
        unit_price=course.price,
        currency=course.currency,
        discount_code=code,
        discount_applied=discount,
        amount=subtotal - discount,
        notes=notes,
    )
    attendee_rows = Attendee.objects.bulk_create([Attendee(booking=booking, **person) for person in people])
    taken = CourseSession.objects.filter(pk=session.pk, places_taken__lte=F("capacity") - count).update(
        places_taken=F("places_taken") + count, updated_at=Now()
    )
    if not taken:
        raise SessionFull(details={"places_left": session.places_left, "requested": count})
    session.places_taken += count
    new_status = status_for_places(session)
    if new_status != session.status:
        CourseSession.objects.filter(pk=session.pk).update(status=new_status)
    start = session.local_starts_at
    order = order_create(
        customer=customer,
        currency=course.currency,
        lines=_order_lines(booking, course, session, start, attendee_rows),
        discount_total=discount,
        metadata={"booking": booking.reference, "discount_code": code.code if code else ""},
        actor=customer,
    )
    booking.order = order
    booking.save(update_fields=["order", "updated_at"])
    audit_log(actor=customer, action="bookings.booking.created", obj=booking, after=snapshot(booking))
    return booking


@transaction.atomic
def bookings_confirm(*, order) -> int:
    """The order is paid: its pending bookings become confirmed and paid, and each
    customer gets the confirmation with the ticket PDF and a calendar file (after commit). Locks the bookings. Idempotent:
    a second call finds nothing pending, and the e-mail's dedupe key sends it once."""
    now = timezone.now()
    bookings = order_bookings_locked(order, Booking.Status.PENDING)
    for booking in bookings:
        before = snapshot(booking)
        booking.status = Booking.Status.CONFIRMED
        booking.payment_status = Booking.PaymentStatus.PAID
        booking.confirmed_at = now
        booking.confirmation_sent_at = now
        booking.save(update_fields=["status", "payment_status", "confirmed_at", "confirmation_sent_at", "updated_at"])
        confirmation_queue(obj=booking)
        signals.booking_confirmed.send(sender=Booking, booking=booking, now=now)
        audit_log(
            actor=None,
            action="bookings.booking.confirmed",
            obj=booking,
            before=before,
            after=snapshot(booking),
            data={"order": order.reference},
        )
    return len(bookings)


@transaction.atomic
def bookings_release(*, order, reason: str) -> list[Booking]:
    """The order expired or was cancelled unpaid: its pending bookings are cancelled,
    their places go back on sale and their discount-code use is returned. Locks the
    bookings, then each session. Idempotent."""
    now = timezone.now()
    bookings = order_bookings_locked(order, Booking.Status.PENDING)
    for booking in bookings:
        before = snapshot(booking)
        booking.status = Booking.Status.CANCELLED
        booking.payment_status = Booking.PaymentStatus.FAILED
        booking.cancelled_at = now
        booking.cancellation_reason = reason[:255]
        booking.save(update_fields=["status", "payment_status", "cancelled_at", "cancellation_reason", "updated_at"])
        places_release(booking.session_id, booking.places)
        discount_use_return(booking)
        audit_log(
            actor=None,
            action="bookings.booking.released",
            obj=booking,
            before=before,
            after=snapshot(booking),
            data={"order": order.reference, "reason": reason},
        )
    return bookings


@transaction.atomic
def bookings_refund_sync(*, order) -> int:
    """The order was refunded (here or from the commerce admin): each booking's refunded
    amount and payment status follow the order. A full refund of a booking whose session
    has not started also cancels it and frees its places. Locks the bookings, then the
    session. Idempotent."""
    order = Order.objects.get(pk=order.pk)
    bookings = order_bookings_locked(
        order, Booking.Status.CONFIRMED, Booking.Status.CANCELLED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW
    )
    changed = 0
    for booking in bookings:
        refunded = min(order.refunded_total, booking.amount)
        if booking.refunded_amount == refunded and booking.payment_status == booking.payment_status_after_refund():
            continue
        before = snapshot(booking)
        booking.refunded_amount = refunded
        booking.payment_status = booking.payment_status_after_refund()
        fields = ["refunded_amount", "payment_status", "updated_at"]
        if (
            order.status == Order.Status.REFUNDED
            and booking.status == Booking.Status.CONFIRMED
            and booking.session.starts_at > timezone.now()
        ):
            booking.status = Booking.Status.CANCELLED
            booking.cancelled_at = timezone.now()
            booking.cancellation_reason = _("Refunded in full.")
            fields += ["status", "cancelled_at", "cancellation_reason"]
            places_release(booking.session_id, booking.places)
        booking.save(update_fields=fields)
        if "status" in fields:
            signals.booking_cancelled.send(
                sender=Booking, booking=booking, now=booking.cancelled_at, reason=booking.cancellation_reason
            )
        audit_log(actor=None, action="bookings.booking.refunded", obj=booking, before=before, after=snapshot(booking))
        changed += 1
    return changed
