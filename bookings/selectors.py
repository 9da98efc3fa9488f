"""Reads of the bookings domain. Each returns a queryset (or plain data) with the joins it
needs already applied, so pages, the API and the admin cost a fixed number of queries."""

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Prefetch, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Attendee, Booking, Certificate, Course, CourseSession, Venue, WaitlistEntry

Status = CourseSession.Status


POLICY_KEY = "bookings.refund_policy"


def course_list(*, course_type: str = ""):
    qs = Course.objects.filter(is_active=True).select_related("course_type").order_by("course_type__code", "name")
    if course_type:
        qs = qs.filter(course_type__code=course_type)
    return qs


def course_get(*, pk: int) -> Course:
    return Course.objects.select_related("course_type").get(pk=pk, is_active=True)


def city_list() -> list[str]:
    return list(
        Venue.objects.filter(is_active=True, sessions__status__in=CourseSession.OPEN_STATUSES)
        .values_list("city", flat=True)
        .distinct()
        .order_by("city")
    )


def session_list(*, course=None, city: str = "", date_from=None, date_to=None, now=None):
    """Sessions customers can see: published or full, not started yet, soonest first.
    ``date_from``/``date_to`` are local dates, inclusive."""
    now = now or timezone.now()
    qs = (
        CourseSession.objects.filter(status__in=CourseSession.OPEN_STATUSES, starts_at__gt=now, course__is_active=True)
        .select_related("course__course_type", "venue")
        .prefetch_related("days")
        .order_by("starts_at", "pk")
    )
    if course is not None:
        qs = qs.filter(course=course)
    if city:
        qs = qs.filter(venue__city__iexact=city)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(starts_at__gte=datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(
            starts_at__lt=datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        )
    return qs


def session_get(*, pk: int) -> CourseSession:
    return (
        CourseSession.objects.select_related("course__course_type", "venue", "instructor")
        .prefetch_related("days")
        .get(pk=pk)
    )


def _booking_base():
    return Booking.objects.select_related(
        "session__course__course_type", "session__venue", "discount_code", "order"
    ).prefetch_related(
        "session__days",
        Prefetch("attendees", queryset=Attendee.objects.select_related("certificate").order_by("pk")),
    )


def booking_list(*, customer):
    return _booking_base().filter(customer=customer).order_by("-session__starts_at", "-pk")


def booking_get(*, customer, reference: str) -> Booking:
    return _booking_base().get(customer=customer, reference=reference)


def roster(*, session):
    """The bookings on a session's attendance list (confirmed or after), with attendees."""
    return (
        Booking.objects.filter(
            session=session,
            status__in=(Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW),
        )
        .select_related("customer")
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=Attendee.objects.filter(cancelled_at__isnull=True)
                .select_related("certificate")
                .prefetch_related("days")
                .order_by("pk"),
            )
        )
        .order_by("pk")
    )


def waitlist_list(*, customer):
    """The customer's waiting-list entries, live ones first (offers, then waiting), with
    their sessions; ``position`` is set on each waiting entry (one count per entry, and
    a customer has a handful)."""
    from .services.waitlist import waitlist_position

    live = (WaitlistEntry.Status.OFFERED, WaitlistEntry.Status.WAITING)
    entries = list(
        WaitlistEntry.objects.filter(customer=customer)
        .select_related("session__course", "session__venue", "booking")
        .prefetch_related("session__days")
        .order_by("-created_at", "-pk")[:50]
    )
    entries.sort(key=lambda e: (e.status not in live, e.status != WaitlistEntry.Status.OFFERED))
    for entry in entries:
        entry.position = waitlist_position(entry)
    return entries


def roster_grid(*, session):
    """``(days, bookings)`` for the attendance list: the session's days in order, and
    each attendee with ``marks``, one ``(day, AttendeeDay or None)`` per day."""
    days = list(session.days.select_related("venue").order_by("starts_at"))
    bookings = list(roster(session=session))
    for booking in bookings:
        for attendee in booking.attendees.all():
            marks = {mark.day_id: mark for mark in attendee.days.all()}
            attendee.marks = [(day, marks.get(day.pk)) for day in days]
    return days, bookings


def certificate_get(*, number: str) -> Certificate:
    return Certificate.objects.select_related("course__course_type", "booking__session__venue").get(
        number=(number or "").strip().upper()
    )


def certificate_list(*, customer):
    return Certificate.objects.filter(booking__customer=customer).select_related("course").order_by("-issued_on")


def week_calendar(*, venue, week_start: datetime.date) -> list[dict]:
    """Seven days from ``week_start`` (local dates), each with the venue's sessions."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(week_start, datetime.time.min, tzinfo=tz)
    sessions = list(
        CourseSession.objects.filter(
            venue=venue, starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=7)
        )
        .select_related("course", "instructor")
        .order_by("starts_at")
    )
    days = []
    for offset in range(7):
        day = week_start + datetime.timedelta(days=offset)
        days.append({"date": day, "sessions": [s for s in sessions if timezone.localtime(s.starts_at).date() == day]})
    return days


def _money(value) -> Decimal:
    # SQLite sums decimals without their scale; show pence on every engine.
    return Decimal(value or 0).quantize(Decimal("0.01"))


def revenue_by_type_month(*, date_from=None, date_to=None) -> list[dict]:
    """Net revenue (paid minus refunded) of bookings paid between the dates, per course
    type and calendar month of confirmation, with bookings and places counted."""
    net = ExpressionWrapper(
        F("amount") - F("refunded_amount"), output_field=DecimalField(max_digits=12, decimal_places=2)
    )
    qs = Booking.objects.filter(
        confirmed_at__isnull=False,
        payment_status__in=(
            Booking.PaymentStatus.PAID,
            Booking.PaymentStatus.PARTIALLY_REFUNDED,
            Booking.PaymentStatus.REFUNDED,
        ),
    )
    if date_from:
        qs = qs.filter(confirmed_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(confirmed_at__date__lte=date_to)
    rows = (
        qs.annotate(month=TruncMonth("confirmed_at"))
        .values("month", "session__course__course_type__code", "currency")
        .annotate(
            bookings=Count("pk"),
            places=Sum("places"),
            gross=Sum("amount"),
            refunded=Sum("refunded_amount"),
            net=Sum(net),
        )
        .order_by("-month", "session__course__course_type__code")
    )
    return [
        {
            "month": row["month"].date() if hasattr(row["month"], "date") else row["month"],
            "course_type": row["session__course__course_type__code"],
            "currency": row["currency"],
            "bookings": row["bookings"],
            "places": row["places"] or 0,
            "gross": _money(row["gross"]),
            "refunded": _money(row["refunded"]),
            "net": _money(row["net"]),
        }
        for row in rows
    ]


def upcoming_counts(*, now=None) -> dict:
    now = now or timezone.now()
    qs = CourseSession.objects.filter(starts_at__gt=now, status__in=CourseSession.OPEN_STATUSES)
    return qs.aggregate(
        sessions=Count("pk"),
        taken=Sum("places_taken"),
        capacity=Sum("capacity"),
        full=Count("pk", filter=Q(status=Status.FULL)),
    )


def cancellation_policy():
    """The configured refund policy (``bookings.refund_policy``), for pages and e-mails
    that explain it."""
    from skypark.commerce.cancelling import refund_policy_get

    return refund_policy_get(POLICY_KEY)
