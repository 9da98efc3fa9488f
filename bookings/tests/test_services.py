import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from bookings import services
from bookings.errors import (
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
from bookings.models import Attendee, Booking, Certificate, CourseSession, DiscountCode, postcode_normalise
from skypark.accounts.tests.factories import UserFactory
from skypark.audit.models import AuditEntry
from skypark.commerce.models import Order
from skypark.commerce.services import order_refund, orders_expire
from skypark.notify.models import Notification

from .factories import (
    CourseFactory,
    DiscountCodeFactory,
    SessionFactory,
    VenueFactory,
    course_type,
    in_days,
    instructor,
)

pytestmark = pytest.mark.django_db


def book(customer, session, **kwargs):
    return services.booking_create(customer=customer, session=session, **kwargs)


# --- courses, venues, sessions ----------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" LS1  4AP ", "LS1 4AP"),
        ("M1 1AE", "M1 1AE"),
        ("gir0aa", "GIR 0AA"),
        ("EC1A1BB", "EC1A 1BB"),
    ],
)
def test_postcode_is_normalised(raw, expected):
    assert postcode_normalise(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "SW1A", "SW1A 1A", "Q1 1AA 1", "ABC 123"])
def test_bad_postcode_is_refused(raw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        postcode_normalise(raw)


def test_venue_clean_normalises_postcode():
    venue = VenueFactory.build(postcode="ls14ap")
    venue.full_clean()
    assert venue.postcode == "LS1 4AP"


def test_course_types_are_seeded():
    from bookings.models import CourseType

    assert {"EFAW", "FAW", "Paediatric"} <= set(CourseType.objects.values_list("code", flat=True))


def test_course_duration_and_price_are_checked():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        CourseFactory.build(duration_hours=Decimal("0"), course_type=course_type()).full_clean()
    with pytest.raises(ValidationError):
        CourseFactory.build(price=Decimal("-1"), course_type=course_type()).full_clean()


def test_session_end_must_follow_start():
    course, venue = CourseFactory(), VenueFactory()
    with pytest.raises(InvalidSession) as exc:
        services.session_create(course=course, venue=venue, starts_at=in_days(5), ends_at=in_days(5))
    assert "ends_at" in exc.value.details


def test_session_end_before_start_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    session = SessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseSession.objects.filter(pk=session.pk).update(ends_at=session.starts_at - datetime.timedelta(hours=1))


def test_session_capacity_never_above_the_venue():
    course, venue = CourseFactory(max_capacity=30), VenueFactory(capacity=8)
    with pytest.raises(InvalidSession) as exc:
        services.session_create(course=course, venue=venue, starts_at=in_days(5), ends_at=in_days(5, 15), capacity=9)
    assert "capacity" in exc.value.details
    session = services.session_create(course=course, venue=venue, starts_at=in_days(5), ends_at=in_days(5, 15))
    assert session.capacity == 8


def test_instructor_must_be_in_the_instructors_group():
    course, venue = CourseFactory(), VenueFactory()
    with pytest.raises(InvalidSession) as exc:
        services.session_create(
            course=course,
            venue=venue,
            starts_at=in_days(5),
            ends_at=in_days(5, 15),
            instructor=UserFactory(is_staff=True),
        )
    assert "instructor" in exc.value.details


def test_overlapping_sessions_at_one_venue_are_refused():
    venue = VenueFactory()
    first = services.session_create(
        course=CourseFactory(), venue=venue, starts_at=in_days(5, 9), ends_at=in_days(5, 15)
    )
    with pytest.raises(ScheduleClash) as exc:
        services.session_create(
            course=CourseFactory(duration_hours=3), venue=venue, starts_at=in_days(5, 14), ends_at=in_days(5, 17)
        )
    assert exc.value.details == {"clash": "venue", "session": first.pk}
    # Back to back is fine, and so is the same time at another venue.
    services.session_create(
        course=CourseFactory(duration_hours=2), venue=venue, starts_at=in_days(5, 15), ends_at=in_days(5, 17)
    )
    services.session_create(
        course=CourseFactory(), venue=VenueFactory(), starts_at=in_days(5, 9), ends_at=in_days(5, 15)
    )


def test_cancelled_session_frees_its_slot():
    venue = VenueFactory()
    first = services.session_create(
        course=CourseFactory(), venue=venue, starts_at=in_days(5, 9), ends_at=in_days(5, 15)
    )
    services.session_cancel(session=first)
    services.session_create(course=CourseFactory(), venue=venue, starts_at=in_days(5, 9), ends_at=in_days(5, 15))


def test_instructor_cannot_be_in_two_places_at_once():
    teacher = instructor()
    first = services.session_create(
        course=CourseFactory(),
        venue=VenueFactory(),
        starts_at=in_days(5, 9),
        ends_at=in_days(5, 15),
        instructor=teacher,
    )
    with pytest.raises(ScheduleClash) as exc:
        services.session_create(
            course=CourseFactory(duration_hours=2),
            venue=VenueFactory(),
            starts_at=in_days(5, 10),
            ends_at=in_days(5, 12),
            instructor=teacher,
        )
    assert exc.value.details == {"clash": "instructor", "session": first.pk}


def test_moving_a_session_onto_another_is_refused():
    venue = VenueFactory()
    services.session_create(course=CourseFactory(), venue=venue, starts_at=in_days(5, 9), ends_at=in_days(5, 15))
    other = services.session_create(
        course=CourseFactory(), venue=venue, starts_at=in_days(6, 9), ends_at=in_days(6, 15)
    )
    with pytest.raises(ScheduleClash):
        services.session_update(session=other, starts_at=in_days(5, 12), ends_at=in_days(5, 18))


# --- booking and places -----------------------------------------------------------------


def test_booking_takes_places_and_opens_an_order(customer, session):
    booking = book(customer, session)
    session.refresh_from_db()
    assert session.places_taken == 1
    assert booking.status == Booking.Status.PENDING
    assert booking.payment_status == Booking.PaymentStatus.PENDING
    assert booking.reference.startswith("RF-")
    assert booking.order.status == Order.Status.PENDING_PAYMENT
    assert booking.order.currency == "GBP"
    assert booking.order.total == Decimal("100.00")
    assert booking.order.lines.get().kind == services.LINE_KIND
    assert booking.attendees.get().name == customer.name
    assert AuditEntry.objects.filter(action="bookings.booking.created", object_id=str(booking.pk)).exists()


def test_company_books_named_attendees(customer, session):
    people = [{"name": "Ann Smith", "email": "ann@example.co.uk"}, {"name": "Bob Jones", "email": ""}]
    booking = book(customer, session, attendees=people)
    assert booking.places == 2
    assert list(booking.attendees.values_list("name", flat=True)) == ["Ann Smith", "Bob Jones"]
    assert booking.order.total == Decimal("200.00")
    session.refresh_from_db()
    assert session.places_taken == 2


def test_attendee_needs_a_valid_email(customer, session):
    with pytest.raises(InvalidAttendees):
        book(customer, session, attendees=[{"name": "Ann", "email": "not-an-email"}])
    with pytest.raises(InvalidAttendees):
        book(customer, session, attendees=[{"name": "", "email": "a@b.co"}])


def test_booking_is_confirmed_only_when_paid(customer, session, pay, outbox):
    booking = book(customer, session)
    assert booking.status == Booking.Status.PENDING
    booking = pay(booking)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.payment_status == Booking.PaymentStatus.PAID
    assert booking.confirmed_at is not None


def test_confirmation_email_carries_a_calendar_file_that_parses(customer, session, pay, outbox):
    customer.email = "learner@example.co.uk"
    customer.save()
    booking = pay(book(customer, session))
    messages = [m for m in mail.outbox if booking.reference in m.subject]
    assert len(messages) == 1
    filename, content, mimetype = messages[0].attachments[0]
    assert filename == f"{booking.reference}.ics"
    assert mimetype.startswith("text/calendar")
    calendar = Calendar.from_ical(content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == session.starts_at
    assert event.decoded("dtend") == session.ends_at
    assert str(event["summary"]) == session.course.name
    assert booking.reference in str(event["uid"])
    assert "LS1 4AP" in str(event["location"])


def test_last_place_makes_the_session_full_and_a_freed_place_publishes_it(customer, pay):
    session = SessionFactory(capacity=2)
    first = book(customer, session)
    book(UserFactory(), session)
    session.refresh_from_db()
    assert session.status == CourseSession.Status.FULL
    with pytest.raises(SessionFull):
        book(UserFactory(), session)
    services.booking_cancel(booking=first, actor=customer)
    session.refresh_from_db()
    assert session.status == CourseSession.Status.PUBLISHED
    assert session.places_taken == 1


def test_too_many_attendees_for_the_places_left(customer):
    session = SessionFactory(capacity=2)
    with pytest.raises(SessionFull) as exc:
        book(customer, session, attendees=[{"name": n} for n in ("a", "b", "c")])
    assert exc.value.details == {"places_left": 2, "requested": 3}
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "status,reason", [(CourseSession.Status.DRAFT, "not_published"), (CourseSession.Status.CANCELLED, "cancelled")]
)
def test_only_published_sessions_can_be_booked(customer, status, reason):
    session = SessionFactory(status=status)
    with pytest.raises(SessionNotBookable) as exc:
        book(customer, session)
    assert exc.value.details["reason"] == reason


def test_started_session_cannot_be_booked(customer, session):
    with pytest.raises(SessionNotBookable) as exc:
        book(customer, session, now=session.starts_at)
    assert exc.value.details["reason"] == "started"


def test_unpaid_expiry_releases_places_and_code(customer, session, django_capture_on_commit_callbacks):
    code = DiscountCodeFactory(usage_limit=1)
    booking = book(customer, session, discount_code=code.code)
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_expire(now=timezone.now() + datetime.timedelta(hours=2)) == 1
    booking.refresh_from_db()
    session.refresh_from_db()
    code.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.payment_status == Booking.PaymentStatus.FAILED
    assert session.places_taken == 0
    assert code.times_used == 0
    # The signal again (or the repair sweep) changes nothing.
    assert services.bookings_release(order=booking.order, reason="again") == []
    assert services.bookings_expire_unpaid() == 0


def test_repair_sweep_releases_bookings_whose_signal_was_lost(customer, session):
    booking = book(customer, session)
    Order.objects.filter(pk=booking.order_id).update(status=Order.Status.EXPIRED)
    assert services.bookings_expire_unpaid() == 1
    assert services.bookings_expire_unpaid() == 0
    session.refresh_from_db()
    assert session.places_taken == 0


def test_free_course_is_confirmed_at_once(customer, django_capture_on_commit_callbacks):
    session = SessionFactory(course=CourseFactory(price=Decimal("0")))
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(customer, session)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


# --- discount codes ---------------------------------------------------------------------


def test_percentage_and_fixed_discounts(customer, session):
    pct = DiscountCodeFactory(discount_type="percentage", discount_value=Decimal("25"))
    booking = book(customer, session, discount_code=pct.code.lower())
    assert booking.discount_applied == Decimal("25.00")
    assert booking.amount == Decimal("75.00")
    assert booking.order.total == Decimal("75.00")
    fixed = DiscountCodeFactory(discount_type="fixed", discount_value=Decimal("30"))
    other = book(UserFactory(), session, discount_code=f"  {fixed.code} ")
    assert other.amount == Decimal("70.00")
    pct.refresh_from_db()
    assert pct.times_used == 1


def test_fixed_discount_never_exceeds_the_price(customer, session):
    code = DiscountCodeFactory(discount_type="fixed", discount_value=Decimal("500"))
    booking = book(customer, session, discount_code=code.code)
    assert booking.amount == Decimal("0.00")


def _refusal(customer, session, code_text, now=None):
    with pytest.raises(DiscountRefused) as exc:
        book(customer, session, discount_code=code_text, now=now)
    assert Booking.objects.count() == 0
    session.refresh_from_db()
    assert session.places_taken == 0
    return exc.value


def test_refused_unknown(customer, session):
    assert _refusal(customer, session, "NOPE").details["reason"] == "unknown"


def test_refused_inactive(customer, session):
    code = DiscountCodeFactory(is_active=False)
    assert _refusal(customer, session, code.code).details["reason"] == "inactive"


def test_refused_expired(customer, session):
    today = timezone.localdate()
    code = DiscountCodeFactory(
        valid_from=today - datetime.timedelta(days=10), valid_until=today - datetime.timedelta(days=1)
    )
    assert _refusal(customer, session, code.code).details["reason"] == "expired"


def test_refused_not_yet_valid(customer, session):
    today = timezone.localdate()
    code = DiscountCodeFactory(
        valid_from=today + datetime.timedelta(days=1), valid_until=today + datetime.timedelta(days=9)
    )
    assert _refusal(customer, session, code.code).details["reason"] == "not_yet_valid"


def test_refused_limit_reached(customer, session):
    code = DiscountCodeFactory(usage_limit=1)
    book(UserFactory(), session, discount_code=code.code)
    with pytest.raises(DiscountRefused) as exc:
        book(customer, session, discount_code=code.code)
    assert exc.value.details["reason"] == "limit_reached"
    code.refresh_from_db()
    assert code.times_used == 1


def test_refused_wrong_course_type(customer, session):
    code = DiscountCodeFactory(course_type=course_type("Paediatric"))
    assert _refusal(customer, session, code.code).details["reason"] == "wrong_course_type"
    ok = DiscountCodeFactory(course_type=session.course.course_type)
    assert book(customer, session, discount_code=ok.code).discount_code == ok


def test_refused_below_minimum(customer, session):
    code = DiscountCodeFactory(min_purchase_amount=Decimal("150"))
    assert _refusal(customer, session, code.code).details["reason"] == "below_minimum"
    # Two places reach the minimum.
    booking = book(customer, session, discount_code=code.code, attendees=[{"name": "A"}, {"name": "B"}])
    assert booking.discount_applied == Decimal("20.00")


def test_validity_is_checked_in_the_platforms_time_zone(customer, session, settings):
    """Valid until 10 June means through the end of 10 June in Asia/Bishkek (UTC+6):
    at 20:00 UTC on 10 June it is already 11 June there."""
    code = DiscountCodeFactory(valid_from=datetime.date(2020, 1, 1), valid_until=datetime.date(2030, 6, 10))
    late = datetime.datetime(2030, 6, 10, 20, 0, tzinfo=datetime.UTC)
    session.starts_at = late + datetime.timedelta(days=3)
    session.ends_at = session.starts_at + datetime.timedelta(hours=6)
    session.save()
    assert _refusal(customer, session, code.code, now=late).details["reason"] == "expired"
    early = datetime.datetime(2030, 6, 10, 17, 0, tzinfo=datetime.UTC)
    assert book(customer, session, discount_code=code.code, now=early).discount_code == code


def test_refusal_reasons_have_messages():
    for reason in DiscountRefused.REASONS:
        exc = DiscountRefused(reason)
        assert exc.code == "discount_refused" and exc.message and exc.details["reason"] == reason


def test_price_quote_applies_the_code_without_using_it(session):
    code = DiscountCodeFactory(usage_limit=1)
    price = services.price_quote(session=session, places=2, discount_code=code.code)
    assert (price.subtotal, price.discount, price.total) == (Decimal("200.00"), Decimal("20.00"), Decimal("180.00"))
    code.refresh_from_db()
    assert code.times_used == 0


# --- cancellation policy ----------------------------------------------------------------


def _paid_booking(customer, pay, *, days_ahead=30):
    session = SessionFactory(starts_at=in_days(days_ahead))
    return pay(book(customer, session))


PAID, PARTIAL, REFUNDED = (
    Booking.PaymentStatus.PAID,
    Booking.PaymentStatus.PARTIALLY_REFUNDED,
    Booking.PaymentStatus.REFUNDED,
)


@pytest.mark.parametrize(
    "before,refund,payment_status,order_status",
    [
        (datetime.timedelta(days=30), Decimal("100.00"), REFUNDED, Order.Status.REFUNDED),
        (datetime.timedelta(days=7), Decimal("100.00"), REFUNDED, Order.Status.REFUNDED),
        (datetime.timedelta(days=7) - datetime.timedelta(seconds=1), Decimal("50.00"), PARTIAL, "partially_refunded"),
        (datetime.timedelta(hours=48), Decimal("50.00"), PARTIAL, Order.Status.PARTIALLY_REFUNDED),
        (datetime.timedelta(hours=48) - datetime.timedelta(seconds=1), Decimal("0.00"), PAID, Order.Status.PAID),
        (datetime.timedelta(hours=1), Decimal("0.00"), PAID, Order.Status.PAID),
    ],
)
def test_cancellation_policy_at_each_boundary(customer, pay, outbox, before, refund, payment_status, order_status):
    booking = _paid_booking(customer, pay)
    now = booking.session.starts_at - before
    assert services.refund_due(booking=booking, now=now).amount == refund
    cancelled = services.booking_cancel(booking=booking, actor=customer, now=now)
    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.refunded_amount == refund
    order = Order.objects.get(pk=booking.order_id)
    assert order.refunded_total == refund
    assert order.status == order_status
    assert cancelled.payment_status == payment_status
    booking.session.refresh_from_db()
    assert booking.session.places_taken == 0


def test_policy_comes_from_settings(customer, pay):
    from skypark.config.services import system_setting_update

    booking = _paid_booking(customer, pay)
    system_setting_update(
        key="bookings.refund_policy",
        value=[{"hours": 168, "percent": 100}, {"hours": 48, "percent": 25}],
        actor=None,
    )
    from skypark.config.selectors import invalidate

    invalidate()
    now = booking.session.starts_at - datetime.timedelta(days=3)
    assert services.refund_due(booking=booking, now=now).amount == Decimal("25.00")


def test_unpaid_cancel_cancels_the_order(customer, session):
    booking = book(customer, session)
    services.booking_cancel(booking=booking, actor=customer)
    booking.refresh_from_db()
    assert booking.order.status == Order.Status.CANCELLED
    assert booking.status == Booking.Status.CANCELLED


def test_cannot_cancel_twice_or_after_start(customer, pay):
    booking = _paid_booking(customer, pay)
    with pytest.raises(BookingNotCancellable):
        services.booking_cancel(booking=booking, actor=customer, now=booking.session.starts_at)
    services.booking_cancel(booking=booking, actor=customer)
    with pytest.raises(BookingNotCancellable):
        services.booking_cancel(booking=booking, actor=customer)


def test_cancellation_email(customer, pay, django_capture_on_commit_callbacks, outbox):
    customer.language = "en"  # the assertions read the English e-mail
    customer.save(update_fields=["language"])
    customer.email = "c@example.co.uk"
    customer.save()
    booking = _paid_booking(customer, pay)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=booking, actor=customer)
    subjects = [m.subject for m in mail.outbox]
    assert any("cancelled" in s for s in subjects)
    assert Notification.objects.filter(kind="bookings.cancellation").count() == 1


def test_staff_partial_refund_with_reason(customer, pay, staff_user):
    booking = _paid_booking(customer, pay)
    services.booking_refund(booking=booking, amount=Decimal("15.00"), reason="Late start", actor=staff_user)
    booking.refresh_from_db()
    assert booking.refunded_amount == Decimal("15.00")
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.payment_status == Booking.PaymentStatus.PARTIALLY_REFUNDED
    assert booking.order.refunds.get().reason == "Late start"
    with pytest.raises(InvalidAttendees):
        services.booking_refund(booking=booking, amount=Decimal("1.00"), reason=" ", actor=staff_user)


def test_full_refund_from_commerce_cancels_and_frees_the_place(customer, pay, django_capture_on_commit_callbacks):
    booking = _paid_booking(customer, pay)
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=booking.order, reason="admin", actor=None)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.payment_status == Booking.PaymentStatus.REFUNDED
    assert booking.refunded_amount == Decimal("100.00")
    booking.session.refresh_from_db()
    assert booking.session.places_taken == 0


def test_session_cancel_refunds_everyone_in_full(customer, pay):
    booking = _paid_booking(customer, pay, days_ahead=1)
    services.session_cancel(session=booking.session)
    booking.refresh_from_db()
    assert booking.refunded_amount == Decimal("100.00")
    assert booking.session.status == CourseSession.Status.CANCELLED


# --- attendance, completion, certificates -----------------------------------------------


def _attended(customer, pay, *, present=True):
    booking = _paid_booking(customer, pay)
    session = booking.session
    after = session.ends_at + datetime.timedelta(minutes=5)
    attendee = booking.attendees.get()
    services.attendance_mark(attendee=attendee, present=present, actor=None, now=session.starts_at)
    return booking, attendee, after


def test_attendance_only_from_the_start(customer, pay):
    booking = _paid_booking(customer, pay)
    with pytest.raises(AttendanceNotOpen):
        services.attendance_mark(attendee=booking.attendees.get(), present=True, actor=None)


def test_certificates_only_after_completion(customer, pay, outbox, django_capture_on_commit_callbacks):
    customer.language = "en"  # the assertions read the English e-mail
    customer.save(update_fields=["language"])
    customer.email = "learner@example.co.uk"
    customer.save()
    booking, attendee, after = _attended(customer, pay)
    with pytest.raises(SessionNotCompleted):
        services.certificate_issue(attendee=attendee)
    with pytest.raises(InvalidSession):
        services.session_complete(session=booking.session, now=booking.session.ends_at - datetime.timedelta(minutes=1))
    services.session_complete(session=booking.session, now=after)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    issued_on = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(attendee=attendee, today=issued_on)
    assert certificate.expires_on == issued_on.replace(year=issued_on.year + 3)
    assert certificate.number.startswith("RFT-")
    assert services.certificate_issue(attendee=attendee) == certificate
    assert Certificate.objects.count() == 1
    message = next(m for m in mail.outbox if "certificate" in m.subject)
    filename, content, mimetype = message.attachments[0]
    assert filename == f"{certificate.number}.pdf" and content.startswith(b"%PDF")


def test_absent_attendee_gets_no_certificate_and_booking_is_a_no_show(customer, pay):
    booking, attendee, after = _attended(customer, pay, present=False)
    services.session_complete(session=booking.session, now=after)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    with pytest.raises(NotCertifiable):
        services.certificate_issue(attendee=attendee)


def test_certificate_validity_from_feb_29():
    from bookings.services.certificates import _add_years

    assert _add_years(datetime.date(2028, 2, 29), 3) == datetime.date(2031, 2, 28)


def test_certificates_issue_for_a_session(customer, pay):
    booking, attendee, after = _attended(customer, pay)
    with pytest.raises(SessionNotCompleted):
        services.certificates_issue(session=booking.session)
    services.session_complete(session=booking.session, now=after)
    assert len(services.certificates_issue(session=booking.session)) == 1
    assert len(services.certificates_issue(session=booking.session)) == 1


# --- sweeps -----------------------------------------------------------------------------


def test_reminders_are_sent_once_when_the_job_runs_twice(customer, pay, django_capture_on_commit_callbacks, outbox):
    customer.language = "en"  # the assertions read the English e-mail
    customer.save(update_fields=["language"])
    customer.email = "learner@example.co.uk"
    customer.save()
    soon = SessionFactory(starts_at=timezone.now() + datetime.timedelta(hours=20))
    soon.ends_at = soon.starts_at + datetime.timedelta(hours=6)
    soon.save()
    booking = pay(book(customer, soon))
    later = pay(book(customer, SessionFactory(starts_at=in_days(20))))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.bookings_remind() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.bookings_remind() == 0
    reminders = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    assert len(reminders) == 1
    booking.refresh_from_db()
    later.refresh_from_db()
    assert booking.reminder_sent_at is not None and later.reminder_sent_at is None
    # Even if the flag were lost, the dedupe key keeps it to one message.
    Booking.objects.filter(pk=booking.pk).update(reminder_sent_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.bookings_remind()
    assert len([m for m in mail.outbox if m.subject.startswith("Reminder")]) == 1


def test_no_shows_are_marked_once(customer, pay):
    booking = _paid_booking(customer, pay)
    there = pay(book(UserFactory(), booking.session))
    services.attendance_mark(attendee=there.attendees.get(), present=True, actor=None, now=booking.session.starts_at)
    later = booking.session.ends_at + datetime.timedelta(hours=25)
    assert services.bookings_mark_no_show(now=booking.session.ends_at) == 0
    assert services.bookings_mark_no_show(now=later) == 1
    assert services.bookings_mark_no_show(now=later) == 0
    booking.refresh_from_db()
    there.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert there.status == Booking.Status.CONFIRMED
    # Marked present late: back on the roster.
    services.attendance_mark(attendee=booking.attendees.get(), present=True, actor=None, now=later)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_certificate_expiry_notices_once(customer, pay, django_capture_on_commit_callbacks, outbox):
    customer.language = "en"  # the assertions read the English e-mail
    customer.save(update_fields=["language"])
    customer.email = "learner@example.co.uk"
    customer.save()
    booking, attendee, after = _attended(customer, pay)
    services.session_complete(session=booking.session, now=after)
    certificate = services.certificate_issue(attendee=attendee)
    today = timezone.localdate()
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=today + datetime.timedelta(days=61))
    assert services.certificates_expiry_notify(today=today) == 0
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=today + datetime.timedelta(days=60))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificates_expiry_notify(today=today) == 1
        assert services.certificates_expiry_notify(today=today) == 0
    assert len([m for m in mail.outbox if "expires soon" in m.subject]) == 1


def test_schedules_install_is_idempotent():
    from django_celery_beat.models import PeriodicTask

    services.schedules_install()
    services.schedules_install()
    assert PeriodicTask.objects.filter(name__startswith="bookings:").count() == len(services.SCHEDULES)


def test_discount_code_limit_constraint_in_the_database():
    from django.db import IntegrityError, transaction

    code = DiscountCodeFactory(usage_limit=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DiscountCode.objects.filter(pk=code.pk).update(times_used=2)


def test_attendee_attendance_values():
    assert set(Attendee.Attendance.values) == {"unknown", "present", "absent"}


def test_the_payment_confirms_the_booking_in_its_own_transaction(customer, session):
    from skypark.commerce.services import payment_complete, payment_start

    booking = book(customer, session)
    payment, _action = payment_start(order=booking.order, provider="sandbox", method="visa")
    # order_paid is sent inside the payment's transaction (no on-commit callbacks run
    # here): there is no moment when the order is paid and its booking still pending.
    payment_complete(payment=payment, external_id=payment.external_id)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert Order.objects.get(pk=booking.order_id).status == Order.Status.PAID
    # A second delivery of the signal confirms nothing more.
    assert services.bookings_confirm(order=booking.order) == 0


def test_database_refuses_a_confirmed_booking_that_is_not_paid(customer, session):
    from django.db import IntegrityError, transaction

    booking = book(customer, session)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CONFIRMED)


def test_raising_capacity_reopens_a_full_session(customer):
    session = SessionFactory(capacity=1)
    book(customer, session)
    session.refresh_from_db()
    assert session.status == CourseSession.Status.FULL
    for capacity in (0, None):
        with pytest.raises(InvalidSession) as exc:
            services.session_update(session=session, capacity=capacity)
        assert "capacity" in exc.value.details
    session = services.session_update(session=session, capacity=2)
    assert session.status == CourseSession.Status.PUBLISHED
