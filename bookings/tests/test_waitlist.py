"""The waiting list of a full course session: groups offered only what fits them,
offers that lapse and move on, booking through the checkout."""

import datetime

import pytest
from django.utils import timezone

from bookings import services
from bookings.errors import WaitlistNotAvailable
from bookings.models import Booking, CourseSession, WaitlistEntry
from skypark.accounts.tests.factories import UserFactory
from skypark.notify.models import Notification

from .factories import SessionFactory

pytestmark = pytest.mark.django_db
W = WaitlistEntry.Status


def people(n, prefix="P"):
    return [{"name": f"{prefix} {i}", "email": ""} for i in range(n)]


def book(session, n):
    return services.booking_create(customer=UserFactory(), session=session, attendees=people(n))


def join(session, n, *, split=False):
    return services.waitlist_join(customer=UserFactory(), session=session, attendees=people(n), split_if_needed=split)


def state(obj):
    obj.refresh_from_db()
    return obj.status, obj.places


def places(session):
    session.refresh_from_db()
    return session.places_taken, session.status


def test_a_group_that_fits_is_told_to_book():
    session = SessionFactory(capacity=4)
    with pytest.raises(WaitlistNotAvailable):
        join(session, 2)


def test_a_family_of_4_is_offered_only_when_4_places_free_up(pay, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=4)
    bookings = [pay(book(session, 1)) for _ in range(4)]
    family = join(session, 4)
    assert services.waitlist_position(family) == 1
    for number, booking in enumerate(bookings[:3], start=1):
        services.booking_cancel(booking=booking, actor=booking.customer)
        assert state(family) == (W.WAITING, 4), number
        assert places(session)[0] == 4 - number
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=bookings[3], actor=bookings[3].customer)
    assert state(family) == (W.OFFERED, 4)
    assert places(session) == (4, CourseSession.Status.FULL)
    assert Notification.objects.filter(recipient=family.customer, kind="bookings.waitlist_offer").exists()
    booking = services.waitlist_offer_accept(entry=family)
    assert booking.places == 4 and booking.status == Booking.Status.PENDING
    assert booking.order.total == booking.amount > 0
    assert [a.name for a in booking.attendees.all()] == [p["name"] for p in people(4)]
    assert state(family)[0] == W.BOOKED
    assert places(session)[0] == 4
    pay(booking)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_splitting_family_is_offered_2_places_and_the_rest_keep_their_turn():
    session = SessionFactory(capacity=4)
    pair = book(session, 2)
    book(session, 2)
    family = join(session, 4, split=True)
    later = join(session, 1)
    services.booking_cancel(booking=pair, actor=pair.customer)
    assert state(family) == (W.OFFERED, 2)
    part = WaitlistEntry.objects.get(part_of=family)
    assert state(part) == (W.WAITING, 2)
    assert [p["name"] for p in family.attendees + part.attendees] == [p["name"] for p in people(4)]
    assert services.waitlist_position(part) == 1
    later.refresh_from_db()
    assert services.waitlist_position(later) == 2


def test_the_first_group_that_fits_gets_the_places():
    session = SessionFactory(capacity=2)
    holder = book(session, 2)
    big = join(session, 3)
    small = join(session, 2)
    services.booking_cancel(booking=holder, actor=holder.customer)
    assert state(big) == (W.WAITING, 3)
    assert state(small) == (W.OFFERED, 2)


def test_an_offer_not_taken_in_time_moves_on():
    session = SessionFactory(capacity=2)
    holder = book(session, 2)
    first, second = join(session, 2), join(session, 2)
    services.booking_cancel(booking=holder, actor=holder.customer)
    assert state(first) == (W.OFFERED, 2)
    later = timezone.now() + datetime.timedelta(hours=25)
    assert services.waitlist_offers_expire(now=later - datetime.timedelta(hours=2)) == 0
    assert services.waitlist_offers_expire(now=later) == 1
    assert state(first) == (W.EXPIRED, 2)
    assert state(second) == (W.OFFERED, 2)
    assert places(session)[0] == 2
    with pytest.raises(WaitlistNotAvailable):
        services.waitlist_offer_accept(entry=first)
    assert services.waitlist_offers_expire(now=later) == 0


def test_leaving_with_an_offer_passes_it_on():
    session = SessionFactory(capacity=1)
    holder = book(session, 1)
    first, second = join(session, 1), join(session, 1)
    services.booking_cancel(booking=holder, actor=holder.customer)
    services.waitlist_leave(entry=first, actor=first.customer)
    assert state(first)[0] == W.CANCELLED
    assert state(second) == (W.OFFERED, 1)


def test_api_join_position_accept_and_refusals(customer_client, customer):
    session = SessionFactory(capacity=1)
    holder = book(session, 1)
    url = f"/api/v1/courses/sessions/{session.pk}/waitlist/"
    assert customer_client.post(url, {"places": 2}, format="json").status_code == 400
    answer = customer_client.post(url, {"attendees": people(1), "split_if_needed": True}, format="json")
    assert answer.status_code == 201, answer.json()
    entry = answer.json()
    assert entry["status"] == "waiting" and entry["position"] == 1
    mine = customer_client.get("/api/v1/courses/waitlist/").json()["results"]
    assert [e["id"] for e in mine] == [entry["id"]]
    refused = customer_client.post(f"/api/v1/courses/waitlist/{entry['id']}/accept/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "waitlist_not_available"
    services.booking_cancel(booking=holder, actor=holder.customer)
    taken = customer_client.post(f"/api/v1/courses/waitlist/{entry['id']}/accept/")
    assert taken.status_code == 201, taken.json()
    assert taken.json()["payment_url"]
    other = UserFactory()
    stranger = WaitlistEntry.objects.create(session=session, customer=other, joined_at=timezone.now())
    assert customer_client.post(f"/api/v1/courses/waitlist/{stranger.pk}/leave/").status_code == 404
