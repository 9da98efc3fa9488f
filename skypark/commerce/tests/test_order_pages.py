"""The customer's order pages: the result after paying, "My orders" and the receipt.
They show what each domain sold through the item registry, without commerce importing
the domains."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from bookings import services as booking_services
from bookings.tests.factories import SessionFactory
from events import services as event_services
from events.tests.factories import EventFactory
from skypark.accounts.tests.factories import ChildFactory, UserFactory
from skypark.commerce.items import order_items
from skypark.commerce.models import Order
from skypark.commerce.services import (
    order_create,
    order_refund,
    orders_expire,
    payment_complete,
    payment_fail,
    payment_start,
)
from skypark.core.formatting import format_money
from skypark.parks import services as park_services
from skypark.parks.tests.factories import ParkFactory, tomorrow

pytestmark = pytest.mark.django_db


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    def _pay(order):
        with django_capture_on_commit_callbacks(execute=True):
            payment, _action = payment_start(order=order, provider="sandbox", method="visa")
            payment_complete(payment=payment, external_id=payment.external_id)
        order.refresh_from_db()
        return order

    return _pay


@pytest.fixture(autouse=True)
def _english_customer(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])


@pytest.fixture
def ticket(customer):
    child = ChildFactory(parent=customer, name="Bek")
    park = ParkFactory(name_en="Sky Park Dordoi")
    return park_services.ticket_order_create(
        customer=customer,
        park=park,
        visit_date=tomorrow(),
        visitors=[{"child_id": child.pk}, {"name": "Ali", "age": 5}],
    )


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_result_after_paying_says_paid_and_shows_the_ticket(client, customer, ticket, pay):
    pay(ticket.order)
    client.force_login(customer)
    html = page(client, reverse("commerce:order-result", args=[ticket.order.reference]))
    assert 'class="result__headline">Paid<' in html
    assert "To pay" not in html
    assert "Sky Park Dordoi" in html and "Bek, Ali" in html
    assert tomorrow().strftime("%d.%m.%Y") in html
    assert ticket.backup_code_display in html
    assert f'href="{reverse("parks:ticket-detail", args=[ticket.pk])}">Open the ticket<' in html
    assert reverse("orders:order-receipt", args=[ticket.order.reference]) in html


def test_result_of_a_pending_then_failed_payment_offers_the_next_step(client, customer, ticket):
    client.force_login(customer)
    url = reverse("commerce:order-result", args=[ticket.order.reference])
    html = page(client, url)
    assert "Waiting for payment" in html and "To pay" in html
    assert f'href="{reverse("commerce:order-pay", args=[ticket.order.reference])}">Pay for this order<' in html
    payment, _action = payment_start(order=ticket.order, provider="sandbox", method="visa")
    payment_fail(payment=payment, reason="Card declined.")
    html = page(client, url)
    assert "Payment failed" in html and "Card declined." in html and "Nothing was charged; you can try again." in html
    assert "Pay for this order" in html
    assert reverse("orders:order-receipt", args=[ticket.order.reference]) not in html


def test_result_of_an_expired_order_says_so_and_offers_to_choose_again(client, customer, ticket):
    orders_expire(now=timezone.now() + datetime.timedelta(days=1))
    client.force_login(customer)
    html = page(client, reverse("commerce:order-result", args=[ticket.order.reference]))
    assert 'class="result__headline">Expired<' in html
    assert f'href="{reverse("parks:park-detail", args=[ticket.park.slug])}">Choose again: Sky Park Dordoi<' in html
    assert "Pay for this order" not in html


def test_result_of_a_booking_and_a_registration_links_to_them(client, customer, pay):
    session = SessionFactory()
    booking = booking_services.booking_create(
        customer=customer, session=session, attendees=[{"name": "Ann", "email": ""}]
    )
    pay(booking.order)
    registration = event_services.registration_create(customer=customer, event=EventFactory(price=Decimal("300")))
    pay(registration.order)
    client.force_login(customer)
    html = page(client, reverse("commerce:order-result", args=[booking.order.reference]))
    assert session.course.name in html and "Ann" in html and session.venue.name in html
    assert reverse("bookings:booking-detail", args=[booking.reference]) in html
    html = page(client, reverse("commerce:order-result", args=[registration.order.reference]))
    assert registration.event.display_title in html
    assert reverse("events:registration-detail", args=[registration.pk]) in html


def test_my_orders_lists_every_purchase_newest_first_with_status_and_next_step(
    client, customer, ticket, pay, django_assert_max_num_queries
):
    booking = booking_services.booking_create(customer=customer, session=SessionFactory())
    pay(booking.order)
    registration = event_services.registration_create(customer=customer, event=EventFactory(price=Decimal("300")))
    pay(registration.order)
    order_refund(order=registration.order, amount=Decimal("100.00"), reason="Changed plans")
    other = UserFactory()
    stranger = park_services.ticket_order_create(
        customer=other, park=ticket.park, visit_date=tomorrow(), visitors=[{"name": "Zed", "age": 4}]
    )
    client.force_login(customer)
    html = page(client, reverse("orders:order-list"))
    references = [registration.order.reference, booking.order.reference, ticket.order.reference]
    positions = [html.index(f'data-reference="{reference}"') for reference in references]
    assert positions == sorted(positions)
    assert stranger.order.reference not in html
    assert "Sky Park Dordoi" in html and booking.session.course.name in html
    assert "partially refunded" in html and "refunded 100\xa0som" in html
    assert "pending payment" in html
    assert f'href="{reverse("commerce:order-pay", args=[ticket.order.reference])}">Pay<' in html
    assert reverse("orders:order-receipt", args=[booking.order.reference]) in html
    assert reverse("orders:order-receipt", args=[ticket.order.reference]) not in html
    for _ in range(3):
        pay(booking_services.booking_create(customer=customer, session=SessionFactory()).order)
    with django_assert_max_num_queries(12):
        client.get(reverse("orders:order-list"))


def test_my_orders_is_linked_from_the_profile_and_the_navigation(client, customer):
    client.force_login(customer)
    html = page(client, reverse("accounts:profile"))
    assert html.count(f'href="{reverse("orders:order-list")}"') == 2


def test_receipt_pdf_holds_seller_reference_lines_totals_payment_and_refunds(client, customer, ticket, pay, settings):
    settings.SELLER_NAME = "Sky Park LLC"
    pay(ticket.order)
    order_refund(order=ticket.order, amount=Decimal("100.00"), reason="Left early")
    client.force_login(customer)
    response = client.get(reverse("orders:order-receipt", args=[ticket.order.reference]))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    order = Order.objects.get(pk=ticket.order.pk)
    for expected in (
        "Sky Park LLC",
        f"Receipt {order.reference}",
        "Bek",
        "Ali",
        format_money(order.total, "KGS", language="en").replace("\xa0", " "),
        "Visa",
        "Left early",
        "−100 som",
        "partially refunded",
        timezone.localtime(order.paid_at).strftime("%d.%m.%Y"),
    ):
        assert expected in text, expected


def test_receipt_prints_cyrillic(client, customer, pay):
    child = ChildFactory(parent=customer, name="Айсулуу")
    park = ParkFactory(name_en="Sky Park Osh")
    ticket = park_services.ticket_order_create(
        customer=customer, park=park, visit_date=tomorrow(), visitors=[{"child_id": child.pk}]
    )
    pay(ticket.order)
    customer.language = "ru"
    customer.save()
    client.force_login(customer)
    with translation.override("ru"):
        response = client.get(reverse("orders:order-receipt", args=[ticket.order.reference]))
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Айсулуу" in text and "Итого" in text


def test_someone_elses_receipt_and_an_unpaid_receipt_are_not_found(client, customer, ticket, pay):
    client.force_login(customer)
    assert client.get(reverse("orders:order-receipt", args=[ticket.order.reference])).status_code == 404
    pay(ticket.order)
    client.force_login(UserFactory(language="en"))
    assert client.get(reverse("orders:order-receipt", args=[ticket.order.reference])).status_code == 404
    assert client.get(reverse("commerce:order-result", args=[ticket.order.reference])).status_code == 404


def test_an_order_of_an_unregistered_kind_is_described_by_its_lines(customer):
    order = order_create(customer=customer, lines=[{"kind": "misc.gift", "description": "Gift card", "unit_price": 5}])
    entry = order_items(order)
    assert entry.items == [] and entry.summary == "Gift card"


def test_every_domain_that_sells_describes_its_lines():
    from bookings.services import LINE_KIND as BOOKING
    from events.services import LINE_KIND as REGISTRATION
    from skypark.commerce.items import registered_kinds
    from skypark.parks.services import LINE_KIND as TICKET

    assert {TICKET, REGISTRATION, BOOKING} <= registered_kinds()
