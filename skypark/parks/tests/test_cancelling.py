"""Customers cancelling park tickets under ``parks.refund_policy`` (by default: 100 %
with at least 48 hours before the visit day starts, 50 % with at least 24 hours,
nothing later), with the refund through the checkout."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from skypark.commerce.models import Order, Refund
from skypark.parks import cancelling
from skypark.parks.errors import TicketNotCancellable
from skypark.parks.models import SlotCapacity, Ticket

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
S = datetime.timedelta(seconds=1)


@pytest.fixture
def later_ticket(buy, pay):
    """A paid ticket for a visit ten days from now (790 KGS, one child of 3 or over)."""
    ticket = pay(buy(day=timezone.localdate() + datetime.timedelta(days=10)))
    assert ticket.order.total == Decimal("790.00")
    return ticket


@pytest.mark.parametrize(
    "before,amount,status,order_status",
    [
        (72 * H, Decimal("790.00"), Ticket.Status.REFUNDED, Order.Status.REFUNDED),
        (48 * H, Decimal("790.00"), Ticket.Status.REFUNDED, Order.Status.REFUNDED),
        (48 * H - S, Decimal("395.00"), Ticket.Status.PARTIALLY_REFUNDED, Order.Status.PARTIALLY_REFUNDED),
        (24 * H, Decimal("395.00"), Ticket.Status.PARTIALLY_REFUNDED, Order.Status.PARTIALLY_REFUNDED),
        (24 * H - S, Decimal("0.00"), Ticket.Status.CANCELLED, Order.Status.PAID),
        (S, Decimal("0.00"), Ticket.Status.CANCELLED, Order.Status.PAID),
    ],
)
def test_quote_and_cancel_at_each_policy_boundary(later_ticket, customer, park, before, amount, status, order_status):
    now = cancelling.ticket_starts_at(later_ticket) - before
    assert cancelling.ticket_refund_quote(ticket=later_ticket, now=now).amount == amount
    sold = SlotCapacity.objects.get(park=park).sold
    ticket = cancelling.ticket_cancel(ticket=later_ticket, actor=customer, now=now)
    assert ticket.status == status
    order = Order.objects.get(pk=ticket.order_id)
    assert order.status == order_status
    assert order.refunded_total == amount
    assert sum(r.amount for r in Refund.objects.filter(order=order)) == amount
    assert SlotCapacity.objects.get(park=park).sold == sold - 1


def test_refund_is_what_was_paid_after_the_discount(buy, pay, customer, monkeypatch):
    ticket = buy(day=timezone.localdate() + datetime.timedelta(days=10))
    # A discount given at the checkout (as loyalty points are) lowers what comes back.
    Order.objects.filter(pk=ticket.order_id).update(discount_total=Decimal("100.01"), total=Decimal("689.99"))
    ticket = pay(Ticket.objects.get(pk=ticket.pk))
    now = cancelling.ticket_starts_at(ticket) - 30 * H
    quote = cancelling.ticket_refund_quote(ticket=ticket, now=now)
    assert quote.paid == Decimal("689.99")
    assert quote.amount == Decimal("345.00")  # 344.995 rounded once, half up


def test_policy_is_the_system_setting(later_ticket, client, customer, monkeypatch):
    from skypark.config.selectors import invalidate
    from skypark.config.services import system_setting_update

    system_setting_update(key="parks.refund_policy", value=[{"hours": 12, "percent": 12.5}], actor=None)
    invalidate()
    now = cancelling.ticket_starts_at(later_ticket) - 12 * H
    assert cancelling.ticket_refund_quote(ticket=later_ticket, now=now).amount == Decimal("98.75")
    monkeypatch.setattr(timezone, "now", lambda: now)
    client.force_login(customer)
    html = " ".join(client.get(reverse("parks:ticket-cancel", args=[later_ticket.pk])).content.decode().split())
    assert "you get 98.75 som back." in html
    assert "That is 12.5% of the 790 som you paid." in html
    assert "At least 12 hours before the start: 12.5% back." in html


def test_bad_policy_values_are_refused(db):
    from django.core.exceptions import ValidationError

    from skypark.config.services import system_setting_update

    for bad in ([{"hours": -1, "percent": 50}], [{"hours": 1, "percent": 150}], [{"hours": 2}], {"hours": 2}):
        with pytest.raises(ValidationError):
            system_setting_update(key="parks.refund_policy", value=bad, actor=None)


def test_no_cancel_once_the_visit_day_started_or_someone_was_admitted(active_ticket, later_ticket, customer, park):
    with pytest.raises(TicketNotCancellable) as refused:
        cancelling.ticket_cancel(ticket=active_ticket, actor=customer)
    assert "visit day has started" in refused.value.message
    Ticket.objects.filter(pk=later_ticket.pk).update(visits_used=1, entry_time=timezone.now())
    with pytest.raises(TicketNotCancellable) as refused:
        cancelling.ticket_cancel(ticket=later_ticket, actor=customer)
    assert "already admitted" in refused.value.message
    assert not Refund.objects.exists()


def test_unpaid_ticket_cancel_cancels_the_order(buy, customer, park):
    ticket = buy()
    ticket = cancelling.ticket_cancel(ticket=ticket, actor=customer)
    assert ticket.status == Ticket.Status.CANCELLED
    assert Order.objects.get(pk=ticket.order_id).status == Order.Status.CANCELLED
    assert SlotCapacity.objects.get(park=park).sold == 0


# --- the confirmation page --------------------------------------------------------------


@pytest.fixture(autouse=True)
def english_customer(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])


def _at_30_hours(monkeypatch, ticket):
    now = cancelling.ticket_starts_at(ticket) - 30 * H
    monkeypatch.setattr(timezone, "now", lambda: now)


@pytest.mark.parametrize(
    "lang,shown",
    [
        ("ru", ["вам вернут 395 сом", "50% от уплаченных вами 790 сом"]),
        ("ky", ["сизге 395 сом кайтарылат", "сиз төлөгөн 790 сом суммасынын 50%"]),
        ("en", ["you get 395 som back", "50% of the 790 som you paid"]),
    ],
)
def test_confirmation_page_shows_the_refund(client, customer, later_ticket, monkeypatch, lang, shown):
    _at_30_hours(monkeypatch, later_ticket)
    customer.language = lang
    customer.save(update_fields=["language"])
    client.force_login(customer)
    with translation.override(lang):
        url = reverse("parks:ticket-cancel", args=[later_ticket.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = " ".join(page.content.decode().split())
    for text in shown:
        assert text in html
    later_ticket.refresh_from_db()
    assert later_ticket.status == Ticket.Status.ACTIVE
    assert not Refund.objects.exists()


def test_post_cancels_refunds_that_amount_and_a_second_post_changes_nothing(
    client, customer, later_ticket, monkeypatch
):
    _at_30_hours(monkeypatch, later_ticket)
    client.force_login(customer)
    with translation.override("en"):
        url = reverse("parks:ticket-cancel", args=[later_ticket.pk])
    page = client.post(url, follow=True)
    html = " ".join(page.content.decode().split())
    assert "395 som is on its way back to you" in html
    assert "partially refunded · 395 som refunded" in html
    later_ticket.refresh_from_db()
    assert later_ticket.status == Ticket.Status.PARTIALLY_REFUNDED
    assert later_ticket.order.status == Order.Status.PARTIALLY_REFUNDED
    assert [r.amount for r in Refund.objects.all()] == [Decimal("395.00")]
    again = client.post(url, follow=True)
    assert "already cancelled" in again.content.decode()
    assert Refund.objects.count() == 1


def test_ticket_list_shows_partially_refunded(client, customer, later_ticket, monkeypatch):
    _at_30_hours(monkeypatch, later_ticket)
    cancelling.ticket_cancel(ticket=later_ticket, actor=customer)
    customer.language = "ru"
    customer.save(update_fields=["language"])
    client.force_login(customer)
    with translation.override("ru"):
        html = client.get(reverse("parks:ticket-list")).content.decode()
    assert "частично возвращён" in html


def test_other_customers_ticket_cancel_is_404(client, later_ticket):
    from skypark.accounts.tests.factories import UserFactory

    client.force_login(UserFactory(language="en"))
    url = reverse("parks:ticket-cancel", args=[later_ticket.pk])
    assert client.get(url, follow=True).status_code == 404
    assert client.post(url, follow=True).status_code == 404
    later_ticket.refresh_from_db()
    assert later_ticket.status == Ticket.Status.ACTIVE


def test_started_day_page_says_why_and_offers_no_button(client, customer, active_ticket):
    client.force_login(customer)
    with translation.override("en"):
        html = client.get(reverse("parks:ticket-cancel", args=[active_ticket.pk])).content.decode()
    assert "visit day has started" in html
    assert 'id="cancel-confirm"' not in html


def test_admin_lists_the_ticket_and_its_order_as_partially_refunded(
    admin_client_logged, customer, later_ticket, monkeypatch
):
    _at_30_hours(monkeypatch, later_ticket)
    cancelling.ticket_cancel(ticket=later_ticket, actor=customer)
    with translation.override("en"):
        tickets = admin_client_logged.get(reverse("admin:parks_ticket_changelist")).content.decode()
        orders = admin_client_logged.get(reverse("admin:commerce_order_changelist")).content.decode()
    assert "partially refunded" in tickets
    assert "partially refunded" in orders
    assert "status__exact=partially_refunded" in tickets  # the status filter offers it
