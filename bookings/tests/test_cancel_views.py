"""The course-booking cancellation page: GET shows the refund the policy gives now, POST
cancels and refunds exactly that, the partial refund is shown as such."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from bookings import services
from bookings.models import Booking
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Order, Refund

from .factories import SessionFactory, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_customer(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])


@pytest.fixture
def partial_booking(customer, pay):
    """A paid 100 GBP booking for a session three days away: 50 % comes back."""
    session = SessionFactory(starts_at=in_days(3))
    return pay(services.booking_create(customer=customer, session=session))


def _url(name, booking, lang="en"):
    with translation.override(lang):
        return reverse(name, args=[booking.reference])


@pytest.mark.parametrize(
    "lang,shown",
    [
        ("ru", ["вам вернут £50", "50% от уплаченных вами £100", "Отменить и вернуть £50"]),
        ("ky", ["сизге £50 кайтарылат", "сиз төлөгөн £100 суммасынын 50%", "£50 кайтарып"]),
        ("en", ["you get £50 back", "50% of the £100 you paid", "Cancel and get £50 back"]),
    ],
)
def test_confirmation_page_shows_the_refund_and_changes_nothing(client, customer, partial_booking, lang, shown):
    customer.language = lang
    customer.save(update_fields=["language"])
    client.force_login(customer)
    html = " ".join(client.get(_url("bookings:booking-cancel", partial_booking, lang)).content.decode().split())
    for text in shown:
        assert text in html
    partial_booking.refresh_from_db()
    assert partial_booking.status == Booking.Status.CONFIRMED
    assert not Refund.objects.exists()


def test_post_refunds_that_amount_shows_partially_refunded_and_second_post_changes_nothing(
    client, customer, partial_booking
):
    client.force_login(customer)
    url = _url("bookings:booking-cancel", partial_booking)
    page = client.post(url, follow=True)
    html = " ".join(page.content.decode().split())
    assert "£50 is on its way back to you" in html
    assert 'id="booking-payment">partially refunded' in html
    partial_booking.refresh_from_db()
    assert partial_booking.status == Booking.Status.CANCELLED
    assert partial_booking.payment_status == Booking.PaymentStatus.PARTIALLY_REFUNDED
    assert partial_booking.refunded_amount == Decimal("50.00")
    assert partial_booking.order.status == Order.Status.PARTIALLY_REFUNDED
    assert [r.amount for r in Refund.objects.all()] == [Decimal("50.00")]
    again = client.post(url, follow=True)
    assert "already cancelled" in again.content.decode()
    assert Refund.objects.count() == 1


def test_partial_status_in_russian_on_the_customer_pages(client, customer, partial_booking):
    services.booking_cancel(booking=partial_booking, actor=customer)
    customer.language = "ru"
    customer.save(update_fields=["language"])
    client.force_login(customer)
    detail = client.get(_url("bookings:booking-detail", partial_booking, "ru")).content.decode()
    assert 'id="booking-payment">частично возвращена' in detail
    with translation.override("ru"):
        listing = client.get(reverse("bookings:booking-list")).content.decode()
    assert '<td data-label="Оплата">частично возвращена</td>' in listing


def test_full_refund_is_shown_as_refunded(client, customer, pay):
    session = SessionFactory(starts_at=in_days(10))
    booking = pay(services.booking_create(customer=customer, session=session))
    client.force_login(customer)
    html = client.post(_url("bookings:booking-cancel", booking), follow=True).content.decode()
    assert 'id="booking-payment">refunded' in html
    assert Order.objects.get(pk=booking.order_id).status == Order.Status.REFUNDED


def test_other_customers_booking_cancel_is_404(client, customer, partial_booking):
    client.force_login(UserFactory(language="en"))
    url = _url("bookings:booking-cancel", partial_booking)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    partial_booking.refresh_from_db()
    assert partial_booking.status == Booking.Status.CONFIRMED


def test_started_session_page_refuses_without_a_button(client, customer, partial_booking):
    partial_booking.session.starts_at = timezone.now() - datetime.timedelta(minutes=5)
    partial_booking.session.ends_at = partial_booking.session.starts_at + datetime.timedelta(hours=6)
    partial_booking.session.save()
    client.force_login(customer)
    html = client.get(_url("bookings:booking-cancel", partial_booking)).content.decode()
    assert "already started" in html
    assert 'id="cancel-confirm"' not in html


def test_admin_lists_the_booking_as_partially_refunded(admin_client_logged, customer, partial_booking):
    services.booking_cancel(booking=partial_booking, actor=customer)
    with translation.override("en"):
        page = admin_client_logged.get(reverse("admin:bookings_booking_changelist")).content.decode()
    assert "partially refunded" in page
