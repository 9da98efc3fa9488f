"""Writes of the course-bookings domain: scheduling, booking, discount codes, reacting to
the checkout, cancelling and refunding, attendance, certificates and the sweeps.

Lock order, everywhere: booking rows, then the session row, then the discount-code row.
``CourseSession.places_taken`` and ``DiscountCode.times_used`` only change while their
row is locked, and the UPDATEs re-check the bound in their WHERE clause as well, so two
buyers can never both take the last place or the last use of a code.

Money goes through ``skypark.commerce``: a booking creates one order (line kind
``bookings.booking``); it becomes confirmed when the checkout says the order is paid,
and refunds are ``order_refund`` calls. E-mails go through ``skypark.notify`` with dedupe
keys, so a sweep run twice sends each message once.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Greatest, Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.models import Order
from skypark.commerce.services import order_cancel, order_create, order_refund
from skypark.config.selectors import get_decimal, get_int

from .documents import ICS_MIMETYPE, PDF_MIMETYPE, booking_ics, certificate_pdf
from .errors import (
    AttendanceNotOpen,
    BookingNotCancellable,
    DiscountRefused,
    InvalidAttendees,
    InvalidSession,
    NotCertifiable,
    ScheduleClash,
    SessionFull,
    SessionNotBookable,
    SessionNotCompleted,
)
from .models import (
    INSTRUCTORS_GROUP,
    ZERO,
    Attendee,
    Booking,
    Certificate,
    CourseSession,
    DiscountCode,
    Venue,
)

LINE_KIND = "bookings.booking"
CENT = Decimal("0.01")
MAX_ATTENDEES = 50
Status = CourseSession.Status

# --- scheduling -------------------------------------------------------------------------

SESSION_FIELDS = ("course", "venue", "instructor", "starts_at", "ends_at", "capacity", "notes")


def session_clash(session) -> tuple[str, CourseSession] | None:
    """``("venue" | "instructor", other session)`` when ``session`` overlaps another
    live session at its venue or with its instructor; None otherwise. Sessions that
    merely touch (one ends when the next starts) do not overlap, as in the database's
    half-open ``tstzrange``."""
    if not (session.starts_at and session.ends_at) or session.status == Status.CANCELLED:
        return None
    overlapping = (
        CourseSession.objects.exclude(status=Status.CANCELLED)
        .exclude(pk=session.pk)
        .filter(starts_at__lt=session.ends_at, ends_at__gt=session.starts_at)
        .order_by("starts_at")
    )
    other = overlapping.filter(venue_id=session.venue_id).first()
    if other is not None:
        return "venue", other
    if session.instructor_id:
        other = overlapping.filter(instructor_id=session.instructor_id).first()
        if other is not None:
            return "instructor", other
    return None


def _clash_error(kind, other) -> ScheduleClash:
    start = timezone.localtime(other.starts_at)
    if kind == "venue":
        message = _("The venue already has a session then: %(other)s.")
    else:
        message = _("The instructor is already teaching then: %(other)s.")
    return ScheduleClash(
        message % {"other": f"{other.course.name}, {start:%d.%m.%Y %H:%M}"},
        details={"clash": kind, "session": other.pk},
    )


def session_validate(session) -> None:
    """Raises ``InvalidSession`` (field errors in ``details``) or ``ScheduleClash``.
    Shared by the service, the admin form and the API."""
    errors = {}
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        errors["ends_at"] = _("The session must end after it starts.")
    venue = session.venue if session.venue_id else None
    course = session.course if session.course_id else None
    if session.capacity is not None and venue is not None and session.capacity > venue.capacity:
        errors["capacity"] = _("The venue holds at most %(n)s people.") % {"n": venue.capacity}
    elif session.capacity is not None and course is not None and session.capacity > course.max_capacity:
        errors["capacity"] = _("This course takes at most %(n)s learners.") % {"n": course.max_capacity}
    if session.capacity is not None and session.capacity < session.places_taken:
        errors["capacity"] = _("%(n)s places are already taken.") % {"n": session.places_taken}
    if session.instructor_id and not (
        session.instructor.is_staff and session.instructor.groups.filter(name=INSTRUCTORS_GROUP).exists()
    ):
        errors["instructor"] = _("Choose a staff member from the Instructors group.")
    if venue is not None and not venue.is_active and session.status != Status.CANCELLED:
        errors["venue"] = _("This venue is not active.")
    if errors:
        raise InvalidSession(" ".join(str(v) for v in errors.values()), details=errors)
    clash = session_clash(session)
    if clash:
        raise _clash_error(*clash)


def _session_save(session, *, update_fields=None):
    """Saves inside a savepoint so that the PostgreSQL exclusion constraints, which catch
    the race two schedulers can win against ``session_clash``, surface as
    ``ScheduleClash`` instead of an IntegrityError."""
    try:
        with transaction.atomic():
            session.save(update_fields=update_fields)
    except IntegrityError as exc:
        text = str(exc)
        for kind in ("venue", "instructor"):
            if f"bookings_session_no_{kind}_overlap" in text:
                raise ScheduleClash(details={"clash": kind})
        raise


def _status_for_places(session):
    if session.status == Status.PUBLISHED and session.places_taken >= session.capacity:
        return Status.FULL
    if session.status == Status.FULL and session.places_taken < session.capacity:
        return Status.PUBLISHED
    return session.status


@transaction.atomic
def session_create(
    *, course, venue, starts_at, ends_at, instructor=None, capacity=None, status=Status.DRAFT, notes="", actor=None
) -> CourseSession:
    """Schedules a session. Locks the venue row, so two schedulers at one venue queue
    and the second sees the first's session; an instructor clash raced across venues is
    refused by the PostgreSQL exclusion constraint. Capacity defaults to the smaller of
    the course's and the venue's."""
    Venue.objects.select_for_update().get(pk=venue.pk)
    if status not in (Status.DRAFT, Status.PUBLISHED):
        raise InvalidSession(details={"status": _("A new session is a draft or published.")})
    session = CourseSession(
        course=course,
        venue=venue,
        instructor=instructor,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity or min(course.max_capacity, venue.capacity),
        status=status,
        notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    session_validate(session)
    _session_save(session)
    audit_log(actor=actor, action="bookings.session.created", obj=session, after=snapshot(session))
    return session


@transaction.atomic
def session_update(*, session, actor=None, **fields) -> CourseSession:
    """Changes a session's schedule, venue, instructor, capacity or notes. Locks the
    session, then its venue (the new one if it moves). Capacity never drops below the
    places taken; the status follows the places (full ↔ published)."""
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"session_update() got unexpected fields {sorted(unknown)}")
    session = CourseSession.objects.select_for_update().get(pk=session.pk)
    before = snapshot(session)
    for name, value in fields.items():
        setattr(session, name, value)
    Venue.objects.select_for_update().get(pk=session.venue_id)
    if session.status == Status.CANCELLED:
        raise InvalidSession(_("A cancelled session cannot be changed."))
    session_validate(session)
    session.status = _status_for_places(session)
    _session_save(session)
    audit_log(actor=actor, action="bookings.session.updated", obj=session, before=before, after=snapshot(session))
    return session


@transaction.atomic
def session_publish(*, session, actor=None) -> CourseSession:
    """A draft goes on sale (or straight to full if its places are taken)."""
    session = CourseSession.objects.select_for_update().get(pk=session.pk)
    if session.status != Status.DRAFT:
        return session
    before = snapshot(session)
    session.status = Status.PUBLISHED
    session.status = _status_for_places(session)
    session_validate(session)
    session.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action="bookings.session.published", obj=session, before=before, after=snapshot(session))
    return session


def session_cancel(*, session, actor=None, reason="") -> CourseSession:
    """Cancels a session: every pending or confirmed booking is cancelled with a full
    refund (the policy does not apply when we cancel), then the session. Each booking is
    its own transaction, so a provider failure on one leaves the others done and the
    session open for a retry."""
    reason = reason or _("The session was cancelled by the organiser.")
    ids = list(
        Booking.objects.filter(
            session_id=session.pk, status__in=(Booking.Status.PENDING, Booking.Status.CONFIRMED)
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        booking = Booking.objects.get(pk=pk)
        booking_cancel(booking=booking, actor=actor, reason=reason, full_refund=True, by_staff=True)
    with transaction.atomic():
        session = CourseSession.objects.select_for_update().get(pk=session.pk)
        before = snapshot(session)
        session.status = Status.CANCELLED
        session.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=actor,
            action="bookings.session.cancelled",
            obj=session,
            before=before,
            after=snapshot(session),
            data={"reason": reason, "bookings": ids},
        )
    return session


@transaction.atomic
def session_complete(*, session, actor=None, now=None) -> CourseSession:
    """Marks a session that has ended as completed. Confirmed bookings with someone
    present become completed, the rest no-shows. Locks the session, then its bookings.
    Running it again changes nothing."""
    now = now or timezone.now()
    session = CourseSession.objects.select_for_update().get(pk=session.pk)
    if session.completed_at:
        return session
    if session.status == Status.CANCELLED or session.ends_at > now:
        raise InvalidSession(_("Only a session that has ended can be completed."), details={"status": session.status})
    before = snapshot(session)
    session.completed_at = now
    session.save(update_fields=["completed_at", "updated_at"])
    present = Attendee.objects.filter(booking=OuterRef("pk"), attendance=Attendee.Attendance.PRESENT)
    bookings = Booking.objects.select_for_update().filter(
        session=session, status__in=(Booking.Status.CONFIRMED, Booking.Status.NO_SHOW)
    )
    list(bookings.order_by("pk").values_list("pk", flat=True))
    completed = bookings.filter(Exists(present)).update(status=Booking.Status.COMPLETED, updated_at=Now())
    no_show = bookings.filter(~Exists(present), status=Booking.Status.CONFIRMED).update(
        status=Booking.Status.NO_SHOW, updated_at=Now()
    )
    audit_log(
        actor=actor,
        action="bookings.session.completed",
        obj=session,
        before=before,
        after=snapshot(session),
        data={"completed": completed, "no_show": no_show},
    )
    return session


# --- discount codes ---------------------------------------------------------------------


def discount_normalise(code: str) -> str:
    return (code or "").strip().upper()


def discount_check(*, code: DiscountCode | None, course, subtotal: Decimal, today) -> None:
    """Raises ``DiscountRefused`` with the first reason that applies, in the order a
    customer can act on: unknown, inactive, not_yet_valid, expired, wrong_course_type,
    below_minimum, limit_reached. ``today`` is the date in the platform's time zone."""
    if code is None:
        raise DiscountRefused("unknown")
    if not code.is_active:
        raise DiscountRefused("inactive")
    if today < code.valid_from:
        raise DiscountRefused("not_yet_valid", valid_from=code.valid_from.isoformat())
    if today > code.valid_until:
        raise DiscountRefused("expired", valid_until=code.valid_until.isoformat())
    if code.course_type_id and code.course_type_id != course.course_type_id:
        raise DiscountRefused("wrong_course_type", course_type=code.course_type.code)
    if code.min_purchase_amount is not None and subtotal < code.min_purchase_amount:
        raise DiscountRefused("below_minimum", minimum=str(code.min_purchase_amount))
    if code.usage_limit is not None and code.times_used >= code.usage_limit:
        raise DiscountRefused("limit_reached")


def _discount_take(*, code_text, course, subtotal, today) -> tuple[DiscountCode, Decimal]:
    """Locks the code row, re-checks it and counts one use. The UPDATE also re-checks
    the limit, so even a caller that skipped the lock cannot go past it."""
    code = (
        DiscountCode.objects.select_for_update(of=("self",))
        .select_related("course_type")
        .filter(code=code_text)
        .first()
    )
    discount_check(code=code, course=course, subtotal=subtotal, today=today)
    taken = (
        DiscountCode.objects.filter(pk=code.pk)
        .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
        .update(times_used=F("times_used") + 1, updated_at=Now())
    )
    if not taken:
        raise DiscountRefused("limit_reached")
    return code, code.discount_on(subtotal)


# --- booking ----------------------------------------------------------------------------


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
            _("At most %(n)s people can be booked at once.") % {"n": MAX_ATTENDEES}, details={"field": "attendees"}
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
        code, discount = _discount_take(code_text=text, course=course, subtotal=subtotal, today=timezone.localdate(now))
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
    Attendee.objects.bulk_create([Attendee(booking=booking, **person) for person in people])
    taken = CourseSession.objects.filter(pk=session.pk, places_taken__lte=F("capacity") - count).update(
        places_taken=F("places_taken") + count, updated_at=Now()
    )
    if not taken:
        raise SessionFull(details={"places_left": session.places_left, "requested": count})
    session.places_taken += count
    new_status = _status_for_places(session)
    if new_status != session.status:
        CourseSession.objects.filter(pk=session.pk).update(status=new_status)
    start = timezone.localtime(session.starts_at)
    order = order_create(
        customer=customer,
        currency=course.currency,
        lines=[
            {
                "kind": LINE_KIND,
                "item": booking,
                "description": f"{course.name}, {start:%d.%m.%Y %H:%M}, {session.venue.city}",
                "unit_price": course.price,
                "quantity": count,
                "metadata": {"booking": booking.reference, "session": session.pk},
            }
        ],
        discount_total=discount,
        metadata={"booking": booking.reference, "discount_code": code.code if code else ""},
        actor=customer,
    )
    booking.order = order
    booking.save(update_fields=["order", "updated_at"])
    audit_log(actor=customer, action="bookings.booking.created", obj=booking, after=snapshot(booking))
    return booking


def _places_release(session_id, count):
    """Gives ``count`` places back (the caller holds the booking locks; this locks the
    session). A full session goes back on sale."""
    session = CourseSession.objects.select_for_update().get(pk=session_id)
    session.places_taken = max(session.places_taken - count, 0)
    session.status = _status_for_places(session)
    session.save(update_fields=["places_taken", "status", "updated_at"])


def _discount_return(booking):
    if booking.discount_code_id:
        DiscountCode.objects.filter(pk=booking.discount_code_id).update(
            times_used=Greatest(F("times_used") - 1, 0), updated_at=Now()
        )


def _order_bookings_locked(order, *statuses):
    return list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("session__course", "session__venue", "customer")
        .filter(order_id=order.pk, status__in=statuses)
        .order_by("pk")
    )


def _site_url(name, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _notify(*, booking, kind, dedupe_key, extra=None, attachments=None, to_address=None):
    from skypark.notify.services import notification_send

    context = {
        "booking": booking,
        "session": booking.session,
        "course": booking.session.course,
        "venue": booking.session.venue,
        "booking_url": _site_url("bookings:booking-detail", booking.reference),
        **(extra or {}),
    }
    if attachments:
        context["attachments"] = attachments
    return notification_send(
        recipient=booking.customer,
        kind=kind,
        context=context,
        channels=("email",),
        related=booking,
        dedupe_key=dedupe_key,
        to_address=to_address,
    )


@transaction.atomic
def bookings_confirm(*, order) -> int:
    """The order is paid: its pending bookings become confirmed and paid, and each
    customer gets the confirmation with a calendar file. Locks the bookings. Idempotent:
    a second call finds nothing pending, and the e-mail's dedupe key sends it once."""
    now = timezone.now()
    bookings = _order_bookings_locked(order, Booking.Status.PENDING)
    for booking in bookings:
        before = snapshot(booking)
        booking.status = Booking.Status.CONFIRMED
        booking.payment_status = Booking.PaymentStatus.PAID
        booking.confirmed_at = now
        booking.confirmation_sent_at = now
        booking.save(update_fields=["status", "payment_status", "confirmed_at", "confirmation_sent_at", "updated_at"])
        _notify(
            booking=booking,
            kind="bookings.confirmation",
            dedupe_key=f"bookings.confirmation.{booking.pk}",
            attachments=[(f"{booking.reference}.ics", booking_ics(booking), ICS_MIMETYPE)],
        )
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
    bookings = _order_bookings_locked(order, Booking.Status.PENDING)
    for booking in bookings:
        before = snapshot(booking)
        booking.status = Booking.Status.CANCELLED
        booking.payment_status = Booking.PaymentStatus.FAILED
        booking.cancelled_at = now
        booking.cancellation_reason = reason[:255]
        booking.save(update_fields=["status", "payment_status", "cancelled_at", "cancellation_reason", "updated_at"])
        _places_release(booking.session_id, booking.places)
        _discount_return(booking)
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
    bookings = _order_bookings_locked(
        order, Booking.Status.CONFIRMED, Booking.Status.CANCELLED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW
    )
    changed = 0
    for booking in bookings:
        refunded = min(order.refunded_total, booking.amount)
        if booking.refunded_amount == refunded and booking.payment_status == Booking.PaymentStatus.REFUNDED:
            continue
        before = snapshot(booking)
        booking.refunded_amount = refunded
        if refunded > 0:
            booking.payment_status = Booking.PaymentStatus.REFUNDED
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
            _places_release(booking.session_id, booking.places)
        booking.save(update_fields=fields)
        audit_log(actor=None, action="bookings.booking.refunded", obj=booking, before=before, after=snapshot(booking))
        changed += 1
    return changed


# --- cancelling and refunds -------------------------------------------------------------


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
        _discount_return(booking)
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
    _places_release(booking.session_id, booking.places)
    _notify(
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


# --- attendance and certificates --------------------------------------------------------


@transaction.atomic
def attendance_mark(*, attendee, present: bool, actor, now=None) -> Attendee:
    """An instructor marks one attendee present or absent, from the session's start
    onwards. Locks the attendee's booking. A booking marked no-show by the sweep comes
    back as confirmed (or completed, once the session is) when someone turns out to have
    been there."""
    now = now or timezone.now()
    booking = Booking.objects.select_for_update(of=("self",)).select_related("session").get(pk=attendee.booking_id)
    if booking.session.starts_at > now:
        raise AttendanceNotOpen()
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW):
        raise AttendanceNotOpen(
            _("Only confirmed bookings are on the roster."), code="not_on_roster", details={"status": booking.status}
        )
    attendee = Attendee.objects.get(pk=attendee.pk)
    before = snapshot(attendee)
    attendee.attendance = Attendee.Attendance.PRESENT if present else Attendee.Attendance.ABSENT
    attendee.marked_at = now
    attendee.marked_by = actor if getattr(actor, "pk", None) else None
    attendee.save(update_fields=["attendance", "marked_at", "marked_by"])
    if present and booking.status == Booking.Status.NO_SHOW:
        booking.status = Booking.Status.COMPLETED if booking.session.completed_at else Booking.Status.CONFIRMED
        booking.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action="bookings.attendance.marked", obj=attendee, before=before, after=snapshot(attendee))
    return attendee


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def certificate_issue(*, attendee, actor=None, today=None) -> Certificate:
    """Issues the certificate of an attendee who was present at a completed session,
    valid for the course's ``certificate_validity_years``, and e-mails it as a PDF.
    Locks the attendee row; issuing twice returns the first certificate. Raises
    ``SessionNotCompleted`` before completion and ``NotCertifiable`` for anyone not
    marked present."""
    today = today or timezone.localdate()
    attendee = (
        Attendee.objects.select_for_update(of=("self",))
        .select_related("booking__session__course", "booking__session__venue", "booking__customer")
        .get(pk=attendee.pk)
    )
    existing = Certificate.objects.filter(attendee=attendee).first()
    if existing is not None:
        return existing
    booking = attendee.booking
    session = booking.session
    if session.completed_at is None:
        raise SessionNotCompleted()
    if attendee.attendance != Attendee.Attendance.PRESENT or booking.status != Booking.Status.COMPLETED:
        raise NotCertifiable(details={"attendance": attendee.attendance, "booking": booking.status})
    course = session.course
    certificate = Certificate.objects.create(
        attendee=attendee,
        booking=booking,
        course=course,
        learner_name=attendee.name,
        learner_email=attendee.email,
        issued_on=today,
        expires_on=_add_years(today, course.certificate_validity_years),
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    _notify(
        booking=booking,
        kind="bookings.certificate_issued",
        dedupe_key=f"bookings.certificate_issued.{certificate.pk}",
        extra={
            "certificate": certificate,
            "verify_url": _site_url("bookings:certificate-verify", certificate.number),
        },
        attachments=[(f"{certificate.number}.pdf", certificate_pdf(certificate), PDF_MIMETYPE)],
        to_address=attendee.email or None,
    )
    audit_log(actor=actor, action="bookings.certificate.issued", obj=certificate, after=snapshot(certificate))
    return certificate


def certificates_issue(*, session, actor=None, today=None) -> list[Certificate]:
    """Issues certificates to everyone present at a completed session. Each is its own
    transaction; the ones already issued are returned as they are."""
    session = CourseSession.objects.get(pk=session.pk)
    if session.completed_at is None:
        raise SessionNotCompleted()
    attendees = Attendee.objects.filter(
        booking__session=session, booking__status=Booking.Status.COMPLETED, attendance=Attendee.Attendance.PRESENT
    ).order_by("pk")
    return [certificate_issue(attendee=a, actor=actor, today=today) for a in attendees]


# --- sweeps -----------------------------------------------------------------------------


def booking_remind(*, booking_id: int) -> bool:
    """Sends the reminder of one confirmed booking, once. Locks the booking (skipping it
    if another worker holds it); ``reminder_sent_at`` and the dedupe key make a second
    run send nothing."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("session__course", "session__venue", "customer")
            .filter(pk=booking_id, status=Booking.Status.CONFIRMED, reminder_sent_at__isnull=True)
            .first()
        )
        if booking is None:
            return False
        _notify(booking=booking, kind="bookings.reminder", dedupe_key=f"bookings.reminder.{booking.pk}")
        booking.reminder_sent_at = timezone.now()
        booking.save(update_fields=["reminder_sent_at", "updated_at"])
    return True


def bookings_remind(*, now=None) -> int:
    """Reminds every confirmed booking whose session starts within
    ``bookings.reminder_hours_before`` hours. Safe to run twice."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(hours=get_int("bookings.reminder_hours_before"))
    ids = list(
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED,
            reminder_sent_at__isnull=True,
            session__starts_at__gt=now,
            session__starts_at__lte=horizon,
        )
        .exclude(session__status=Status.CANCELLED)
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if booking_remind(booking_id=pk))


def bookings_mark_no_show(*, now=None) -> int:
    """Confirmed bookings whose session ended more than ``bookings.no_show_after_hours``
    ago without anyone on them marked present become no-shows: one UPDATE, so a second
    run finds nothing."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=get_int("bookings.no_show_after_hours"))
    present = Attendee.objects.filter(booking=OuterRef("pk"), attendance=Attendee.Attendance.PRESENT)
    changed = (
        Booking.objects.filter(status=Booking.Status.CONFIRMED, session__ends_at__lte=cutoff)
        .exclude(session__status=Status.CANCELLED)
        .filter(~Exists(present))
        .update(status=Booking.Status.NO_SHOW, updated_at=Now())
    )
    if changed:
        audit_log(actor=None, action="bookings.bookings.no_show", data={"bookings": changed})
    return changed


def bookings_expire_unpaid(*, now=None) -> int:
    """Releases pending bookings whose order is no longer payable (expired or cancelled)
    but whose signal never reached us, e.g. a worker died between the checkout's commit
    and the receiver. The normal path is the ``order_expired`` receiver; this sweep
    repairs what it missed. Idempotent."""
    orders = Order.objects.filter(
        pk__in=Booking.objects.filter(status=Booking.Status.PENDING).values("order_id"),
        status__in=(Order.Status.EXPIRED, Order.Status.CANCELLED),
    )
    return sum(len(bookings_release(order=order, reason=_("Not paid in time."))) for order in orders)


def certificate_expiry_notify(*, certificate_id: int) -> bool:
    """E-mails the learner that their certificate expires soon, once (row lock with
    skip, ``expiry_notice_sent_at`` and the dedupe key)."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("booking__session__course", "booking__session__venue", "booking__customer", "course")
            .filter(pk=certificate_id, expiry_notice_sent_at__isnull=True)
            .first()
        )
        if certificate is None:
            return False
        _notify(
            booking=certificate.booking,
            kind="bookings.certificate_expiry",
            dedupe_key=f"bookings.certificate_expiry.{certificate.pk}",
            extra={"certificate": certificate, "catalogue_url": _site_url("bookings:course-list")},
            to_address=certificate.learner_email or None,
        )
        certificate.expiry_notice_sent_at = timezone.now()
        certificate.save(update_fields=["expiry_notice_sent_at", "updated_at"])
    return True


def certificates_expiry_notify(*, today=None) -> int:
    """Notifies every learner whose certificate expires within
    ``bookings.certificate_expiry_notice_days`` days (60 by default)."""
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=get_int("bookings.certificate_expiry_notice_days"))
    ids = list(
        Certificate.objects.filter(
            expiry_notice_sent_at__isnull=True, expires_on__gte=today, expires_on__lte=until
        ).values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if certificate_expiry_notify(certificate_id=pk))


# --- schedules --------------------------------------------------------------------------

SCHEDULES = [
    # name, task, crontab minute, crontab hour
    ("bookings: send reminders", "bookings.tasks.bookings_send_reminders", "*/15", "*"),
    ("bookings: release unpaid bookings", "bookings.tasks.bookings_release_unpaid", "*/5", "*"),
    ("bookings: mark no-shows", "bookings.tasks.bookings_mark_no_shows", "30", "2"),
    ("bookings: certificate expiry notices", "bookings.tasks.bookings_certificate_expiry_notices", "0", "9"),
]


@transaction.atomic
def schedules_install() -> list:
    """Registers the bookings' periodic tasks with django-celery-beat, where staff can see
    and change them. Safe to call any number of times."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    tasks = []
    for name, task, minute, hour in SCHEDULES:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        periodic, _created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )
        tasks.append(periodic)
    return tasks


def instructors():
    """Staff in the Instructors group, for forms and the admin."""
    return get_user_model().objects.filter(is_staff=True, is_active=True, groups__name=INSTRUCTORS_GROUP).distinct()
