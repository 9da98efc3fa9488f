"""The course waiting list on the customer's pages (join with the family from the booking
page, position, accept or decline an offer), the offer e-mail's wording and the
waiting-list admin."""

import pytest
from django.core import mail
from django.urls import reverse

from bookings import services
from bookings.models import Booking, WaitlistEntry
from skypark.accounts.tests.factories import ChildFactory, UserFactory

from .factories import SessionFactory

pytestmark = pytest.mark.django_db
W = WaitlistEntry.Status


@pytest.fixture
def web(client, customer):
    """The customer signed in on the web pages (the API client's token does not reach them)."""
    client.force_login(customer)
    return client


@pytest.fixture
def fill(pay):
    def _fill(session, n):
        return [pay(services.booking_create(customer=UserFactory(), session=session)) for _ in range(n)]

    return _fill


def test_the_booking_form_books_the_customer_with_their_children_and_adults(web, customer):
    customer.name = "Dana Bell"
    customer.save()
    ava, ben = ChildFactory(parent=customer, name="Ava Bell"), ChildFactory(parent=customer, name="Ben Bell")
    ChildFactory(name="Not Mine")
    session = SessionFactory(capacity=6)
    url = reverse("bookings:session-book", args=[session.pk])
    page = web.get(url, HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "Ava Bell" in page and "Ben Bell" in page and "Not Mine" not in page
    response = web.post(
        url,
        {"include_me": "on", "children": [str(ava.pk), str(ben.pk)], "adults": "Sam Bell\n\n", "book": "1"},
    )
    assert response.status_code == 302
    booking = Booking.objects.get(customer=customer)
    assert sorted(booking.attendees.values_list("name", flat=True)) == ["Ava Bell", "Ben Bell", "Dana Bell", "Sam Bell"]
    assert booking.places == 4
    # Someone else's child cannot be smuggled in.
    bad = web.post(url, {"children": ["999999"], "book": "1"})
    assert bad.status_code == 200 and Booking.objects.filter(customer=customer).count() == 1


def test_a_family_joins_a_full_session_from_its_page_sees_its_position_and_accepts_the_offer(
    web, customer, django_capture_on_commit_callbacks, outbox, fill
):
    customer.language = "en"
    customer.email = "dana@example.co.uk"
    customer.save()
    session = SessionFactory(capacity=3)
    first, second, third = fill(session, 3)
    ahead = services.waitlist_join(customer=UserFactory(), session=session, attendees=[{"name": "X"}] * 3)
    url = reverse("bookings:session-book", args=[session.pk])
    page = web.get(url, HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "Join the waiting list" in page and 'name="book"' not in page
    response = web.post(url, {"adults": "Ann Lee\nBob Lee", "waitlist": "1", "split_if_needed": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("bookings:waitlist")
    entry = WaitlistEntry.objects.get(customer=customer)
    assert (entry.places, entry.split_if_needed) == (2, True)
    listing = web.get(reverse("bookings:waitlist"), HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "Position on the list: 2" in listing and "Ann Lee" in listing

    services.waitlist_leave(entry=ahead, actor=ahead.customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=first, actor=first.customer)
    entry.refresh_from_db()
    assert entry.status == W.OFFERED and entry.places == 1
    [offer] = [m for m in mail.outbox if "Ann Lee" in m.body]
    assert "It is offered for: Ann Lee." in offer.body
    assert "Bob Lee stay on the waiting list" in offer.body
    listing = web.get(reverse("bookings:waitlist"), HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "Accept and book" in listing and "Held for you until" in listing and "(Europe/London time)" in listing

    answer = reverse("bookings:waitlist-answer", args=[entry.pk])
    response = web.post(answer, {"answer": "accept"})
    booking = Booking.objects.get(customer=customer)
    assert response.status_code == 302 and booking.order.reference in response["Location"]
    assert list(booking.attendees.values_list("name", flat=True)) == ["Ann Lee"]
    again = web.post(answer, {"answer": "accept"}, follow=True)
    assert again.status_code == 200 and Booking.objects.filter(customer=customer).count() == 1


def test_declining_an_offer_passes_the_places_on(web, customer, fill):
    session = SessionFactory(capacity=2)
    taken = fill(session, 2)
    mine = services.waitlist_join(customer=customer, session=session, attendees=[{"name": "Me"}])
    theirs = services.waitlist_join(customer=UserFactory(), session=session, attendees=[{"name": "Next"}])
    services.booking_cancel(booking=taken[0], actor=taken[0].customer)
    mine.refresh_from_db()
    assert mine.status == W.OFFERED
    web.post(reverse("bookings:waitlist-answer", args=[mine.pk]), {"answer": "decline"})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == W.CANCELLED and theirs.status == W.OFFERED
    other = web.post(reverse("bookings:waitlist-answer", args=[theirs.pk]), {"answer": "decline"})
    assert other.status_code == 404


@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_the_waitlist_page_speaks_the_customers_language(web, customer, language, fill):
    session = SessionFactory(capacity=1)
    fill(session, 1)
    services.waitlist_join(customer=customer, session=session, attendees=[{"name": "Me"}])
    customer.language = language
    customer.save()
    page = web.get(reverse("bookings:waitlist"), HTTP_ACCEPT_LANGUAGE=language, follow=True).content.decode()
    expected = {"ru": "Место в очереди: 1", "ky": "Кезектеги орун: 1", "en": "Position on the list: 1"}[language]
    assert expected in page


def test_the_waitlist_admin_lists_filters_searches_and_acts(admin_client_logged, django_assert_max_num_queries, fill):
    session = SessionFactory(capacity=1)
    fill(session, 1)
    entries = [
        services.waitlist_join(customer=UserFactory(), session=session, attendees=[{"name": f"P{i}"}]) for i in range(3)
    ]
    url = reverse("admin:bookings_waitlistentry_changelist")
    admin_client_logged.get(url)
    with django_assert_max_num_queries(20):
        page = admin_client_logged.get(url).content.decode()
    assert "P0" in page and "P2" in page
    more = [
        services.waitlist_join(customer=UserFactory(), session=session, attendees=[{"name": f"Q{i}"}]) for i in range(6)
    ]
    with django_assert_max_num_queries(20):
        assert admin_client_logged.get(url, {"status__exact": "waiting"}).status_code == 200
    assert admin_client_logged.get(url, {"q": session.course.name}).status_code == 200
    admin_client_logged.post(url, {"action": "entries_cancel", "_selected_action": [entries[0].pk, more[0].pk]})
    assert set(WaitlistEntry.objects.filter(status=W.CANCELLED).values_list("pk", flat=True)) == {
        entries[0].pk,
        more[0].pk,
    }
    export = admin_client_logged.post(url, {"action": "entries_export", "_selected_action": [entries[1].pk]})
    assert export["Content-Type"].startswith("text/csv") and "P1" in export.content.decode()
