"""Races and the exclusion constraints against a real PostgreSQL. Skipped on SQLite,
which serialises writers and has no exclusion constraints."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from bookings import services
from bookings.errors import DiscountRefused, ScheduleClash, SessionFull
from bookings.models import Booking, CourseSession, DiscountCode, SessionDay
from skypark.accounts.tests.factories import UserFactory
from skypark.core.testing import run_together

from .factories import CourseFactory, DiscountCodeFactory, SessionFactory, VenueFactory, in_days, instructor

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks and exclusion constraints"
    ),
]


# PostgreSQL on the shared machines allows 100 connections for everyone, so the buyers
# run on 20 threads (one connection each) that start together and book several times.
THREADS = 20


def _buyers(customers, book_one):
    def run():
        done, refused = [], []
        for customer in customers:
            try:
                done.append(book_one(customer))
            except (SessionFull, DiscountRefused) as exc:
                refused.append(exc)
        return done, refused

    return run


def _split(items, parts):
    size = -(-len(items) // parts)
    return [items[i : i + size] for i in range(0, len(items), size)]


def test_100_concurrent_bookings_for_12_places_sell_exactly_12():
    session = SessionFactory(capacity=12)
    customers = [UserFactory() for _ in range(100)]

    def book_one(customer):
        return services.booking_create(customer=customer, session=session)

    results, errors = run_together([_buyers(chunk, book_one) for chunk in _split(customers, THREADS)])
    assert not errors, {str(e)[:200] for e in errors}
    booked = [b for done, _r in results for b in done]
    refused = [e for _d, refused in results for e in refused]
    assert len(booked) == 12
    assert len(refused) == 88
    assert {e.code for e in refused} == {"session_full"}
    session.refresh_from_db()
    assert session.places_taken == 12
    assert session.status == CourseSession.Status.FULL
    assert Booking.objects.filter(session=session).count() == 12


def test_discount_code_with_limit_5_used_by_30_concurrent_bookings_is_used_5_times():
    # Thirty sessions, so the buyers contend on the code's row, not on one session's.
    venue = VenueFactory(capacity=20)
    course = CourseFactory()
    sessions = [SessionFactory(course=course, venue=venue, starts_at=in_days(10 + i)) for i in range(30)]
    code = DiscountCodeFactory(usage_limit=5)
    pairs = [(UserFactory(), s) for s in sessions]

    def book_one(pair):
        customer, session = pair
        return services.booking_create(customer=customer, session=session, discount_code=code.code)

    results, errors = run_together([_buyers(chunk, book_one) for chunk in _split(pairs, 15)])
    assert not errors, {str(e)[:200] for e in errors}
    booked = [b for done, _r in results for b in done]
    refused = [e for _d, refused in results for e in refused]
    assert len(booked) == 5
    assert len(refused) == 25
    assert {e.details["reason"] for e in refused} == {"limit_reached"}
    code.refresh_from_db()
    assert code.times_used == 5
    assert Booking.objects.filter(discount_code=code).count() == 5


def _day(session, start, end, **fields):
    return SessionDay.objects.create(
        session=session,
        starts_at=start,
        ends_at=end,
        venue=fields.pop("venue", session.venue),
        instructor=fields.pop("instructor", session.instructor),
        **fields,
    )


def test_database_refuses_overlapping_days_at_one_venue():
    first = SessionFactory(starts_at=in_days(5, 9))
    other = SessionFactory(starts_at=in_days(20, 9), venue=first.venue)
    with pytest.raises(IntegrityError, match="bookings_day_no_venue_overlap"), transaction.atomic():
        _day(other, first.starts_at + datetime.timedelta(hours=1), first.ends_at + datetime.timedelta(hours=1))
    # Back to back, or overlapping a cancelled session's day, is allowed.
    _day(other, first.ends_at, first.ends_at + datetime.timedelta(hours=2))
    SessionDay.objects.filter(session=first).update(is_live=False)
    _day(other, first.starts_at, first.ends_at - datetime.timedelta(hours=1))


def test_database_refuses_an_instructor_in_two_places():
    teacher = instructor()
    first = SessionFactory(starts_at=in_days(5, 9), instructor=teacher)
    other = SessionFactory(starts_at=in_days(20, 9))
    with pytest.raises(IntegrityError, match="bookings_day_no_instructor_overlap"), transaction.atomic():
        _day(other, first.starts_at + datetime.timedelta(hours=2), first.ends_at, instructor=teacher)
    # Two sessions without an instructor at different venues do not clash.
    SessionFactory(starts_at=first.starts_at, instructor=None)
    SessionFactory(starts_at=first.starts_at, instructor=None)


def test_two_schedulers_booking_one_instructor_at_once_get_one_session():
    """The service's check runs before either insert commits; the exclusion constraint
    settles the race and the loser gets ScheduleClash, not an IntegrityError."""
    teacher = instructor()
    course = CourseFactory()
    venues = [VenueFactory() for _ in range(6)]
    start = in_days(7, 9)

    def schedule(venue):
        return lambda: services.session_create(
            course=course, venue=venue, starts_at=start, ends_at=start + datetime.timedelta(hours=6), instructor=teacher
        )

    results, errors = run_together([schedule(v) for v in venues])
    assert len(results) == 1
    assert len(errors) == 5
    assert all(isinstance(e, ScheduleClash) and e.details["clash"] == "instructor" for e in errors), errors
    assert CourseSession.objects.filter(instructor=teacher).count() == 1


def test_two_schedulers_at_one_venue_get_one_session():
    venue = VenueFactory()
    start = in_days(7, 9)
    courses = [CourseFactory() for _ in range(6)]

    def schedule(course):
        return lambda: services.session_create(
            course=course, venue=venue, starts_at=start, ends_at=start + datetime.timedelta(hours=6)
        )

    results, errors = run_together([schedule(c) for c in courses])
    assert len(results) == 1
    assert all(isinstance(e, ScheduleClash) and e.details["clash"] == "venue" for e in errors), errors
    assert CourseSession.objects.filter(venue=venue).count() == 1


def test_code_use_is_returned_once_when_a_booking_is_released():
    session = SessionFactory()
    code = DiscountCodeFactory(usage_limit=2)
    booking = services.booking_create(customer=UserFactory(), session=session, discount_code=code.code)
    results, errors = run_together(
        [lambda: services.bookings_release(order=booking.order, reason="expired") for _ in range(4)]
    )
    assert not errors
    assert sum(len(r) for r in results) == 1
    code.refresh_from_db()
    session.refresh_from_db()
    assert code.times_used == 0
    assert session.places_taken == 0
    assert DiscountCode.objects.get(pk=code.pk).times_used == 0


def test_concurrent_cancels_refund_once():
    from skypark.commerce.models import Order, Refund
    from skypark.commerce.services import payment_complete, payment_start

    session = SessionFactory()
    booking = services.booking_create(customer=UserFactory(), session=session)
    payment, _action = payment_start(order=booking.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    results, errors = run_together(
        [lambda: services.booking_cancel(booking=booking, actor=None, reason="race") for _ in range(4)]
    )
    assert len(results) == 1
    assert {e.code for e in errors} == {"booking_not_cancellable"}
    assert Refund.objects.filter(order_id=booking.order_id).count() == 1
    assert Order.objects.get(pk=booking.order_id).refunded_total == booking.amount
    session.refresh_from_db()
    assert session.places_taken == 0


def test_two_concurrent_cancels_of_one_booking_refund_once():
    from bookings.errors import BookingNotCancellable
    from skypark.commerce.models import Order, Refund
    from skypark.commerce.services import payment_complete, payment_start

    session = SessionFactory(starts_at=in_days(3))
    customer = UserFactory()
    booking = services.booking_create(customer=customer, session=session)
    payment, _ = payment_start(order=booking.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    services.bookings_confirm(order=booking.order)

    results, errors = run_together([lambda: services.booking_cancel(booking=booking, actor=customer) for _ in range(4)])
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(e, BookingNotCancellable) for e in errors)
    refunds = list(Refund.objects.filter(order=booking.order_id))
    assert [r.amount for r in refunds] == [Decimal("50.00")]
    order = Order.objects.get(pk=booking.order_id)
    assert order.status == Order.Status.PARTIALLY_REFUNDED and order.refunded_total == Decimal("50.00")
    booking.refresh_from_db()
    assert booking.payment_status == Booking.PaymentStatus.PARTIALLY_REFUNDED
    session.refresh_from_db()
    assert session.places_taken == 0
