"""Cancelling one attendee of a paid group booking: the policy at each boundary, the
line's paid share after its part of the discount code, never more, the place back on
sale and to the waiting list, and the e-mail."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from bookings import services
from bookings.errors import BookingNotCancellable
from bookings.models import Booking, WaitlistEntry
from skypark.accounts.tests.factories import UserFactory

from .factories import DiscountCodeFactory, SessionFactory

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def paid_group(pay):
    """Three people at 100.00 with a 10 % code: 270.00 paid, 90.00 a person."""

    def make(capacity=12):
        session = SessionFactory(capacity=capacity)
        code = DiscountCodeFactory()
        booking = services.booking_create(
            customer=UserFactory(email="boss@example.co.uk"),
            session=session,
            attendees=[{"name": n, "email": ""} for n in ("Ann", "Bob", "Cat")],
            discount_code=code.code,
        )
        assert booking.order.total == Decimal("270.00") and booking.order.lines.count() == 3
        return pay(booking)

    return make


def bob(booking):
    return booking.attendees.get(name="Bob").pk


@pytest.mark.parametrize(
    "before_start,refund",
    [
        (datetime.timedelta(days=7), Decimal("90.00")),
        (datetime.timedelta(days=7) - SECOND, Decimal("45.00")),
        (datetime.timedelta(hours=48), Decimal("45.00")),
        (datetime.timedelta(hours=48) - SECOND, Decimal("0.00")),
    ],
)
def test_one_attendee_is_refunded_their_paid_share_by_the_policy_at_each_boundary(paid_group, before_start, refund):
    booking = paid_group()
    now = booking.session.starts_at - before_start
    booking, refunded = services.booking_attendee_cancel(booking=booking, attendee_id=bob(booking), now=now)
    assert refunded == refund
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.places == 2
    assert booking.refunded_amount == refund == booking.order.refunded_total
    booking.session.refresh_from_db()
    assert booking.session.places_taken == 2


def test_never_more_than_paid_and_not_the_last_person(paid_group):
    booking = paid_group()
    now = booking.session.starts_at - datetime.timedelta(days=9)
    total = Decimal(0)
    for name in ("Ann", "Bob"):
        _booking, refunded = services.booking_attendee_cancel(
            booking=booking, attendee_id=booking.attendees.get(name=name).pk, now=now
        )
        total += refunded
    with pytest.raises(BookingNotCancellable):
        services.booking_attendee_cancel(booking=booking, attendee_id=booking.attendees.get(name="Cat").pk, now=now)
    with pytest.raises(BookingNotCancellable):
        services.booking_attendee_cancel(booking=booking, attendee_id=bob(booking), now=now)
    services.booking_cancel(booking=booking, actor=booking.customer, now=now)
    booking.refresh_from_db()
    assert total == Decimal("180.00")
    assert booking.refunded_amount == booking.order.refunded_total == Decimal("270.00")


def test_the_place_goes_to_the_waiting_list_and_the_email_says_who_left(paid_group, django_capture_on_commit_callbacks):
    booking = paid_group(capacity=3)
    entry = services.waitlist_join(customer=UserFactory(), session=booking.session, attendees=[{"name": "Dan"}])
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_attendee_cancel(booking=booking, attendee_id=bob(booking))
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    sent = [m for m in mail.outbox if "boss@example.co.uk" in m.to]
    assert sent and "Bob" in sent[0].body and booking.reference in sent[0].subject


def test_api_cancels_one_attendee(customer_client, customer, pay):
    session = SessionFactory()
    booking = pay(
        services.booking_create(customer=customer, session=session, attendees=[{"name": "Ann"}, {"name": "Bob"}])
    )
    url = f"/api/v1/courses/bookings/{booking.reference}/attendees/{bob(booking)}/cancel/"
    answer = customer_client.post(url)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["places"] == 1
    again = customer_client.post(url)
    assert again.status_code == 409
