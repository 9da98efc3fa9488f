"""Selling park tickets at the desk to a walk-in customer: through the one park purchase
service and the one checkout, in the open shift, with its drawer and fiscal receipt."""

from decimal import Decimal

import pytest
from django.urls import reverse

from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.cashdesk import services, walkin
from skypark.cashdesk.errors import ShiftNotOpen
from skypark.cashdesk.models import CashDesk, FiscalReceipt, Movement
from skypark.commerce.models import Order
from skypark.notify.models import Notification
from skypark.parks.errors import SoldOut
from skypark.parks.models import SlotCapacity, Ticket
from skypark.parks.tests.factories import ParkFactory, TimeSlotFactory, tomorrow

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return CashDesk.objects.create(code="ASIA1", name="Asia Mall desk 1")


@pytest.fixture
def cashier():
    return StaffFactory(is_superuser=True)


@pytest.fixture
def shift(desk, cashier):
    return services.shift_open(desk=desk, cashier=cashier, float_amount="1000.00")


@pytest.fixture
def park():
    return ParkFactory(price_under_3=Decimal("300.00"), price_over_3=Decimal("500.00"), capacity=3)


def test_a_walk_in_sale_activates_tickets_counts_in_the_drawer_and_is_fiscalised(
    shift, cashier, park, desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket, movement = walkin.walk_in_sale(
            shift=shift,
            park=park,
            visit_date=tomorrow(),
            slot="",
            ages=[2, 5],
            names=["Aida"],
            how="cash",
            actor=cashier,
        )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ACTIVE and ticket.qr_code
    assert [c["name"] for c in ticket.children_data] == ["Aida", "#2"]
    assert ticket.order.status == Order.Status.PAID and ticket.order.total == Decimal("800.00")
    # The desk's walk-in account: inactive, no password, never written to.
    customer = ticket.customer
    assert customer == walkin.walk_in_customer(desk)
    assert not customer.is_active and not customer.has_usable_password()
    assert not Notification.objects.filter(recipient=customer).exclude(channel="in_app").exists()
    assert movement.kind == Movement.Kind.CASH_SALE and movement.amount == Decimal("800.00")
    assert services.drawer_cash(shift) == Decimal("1800.00")
    receipt = FiscalReceipt.objects.get(movement=movement)
    assert receipt.data["kind"] == "sale" and len(receipt.data["lines"]) == 2
    assert SlotCapacity.objects.get(park=park, date=tomorrow()).sold == 2


def test_a_full_day_is_refused_and_nothing_is_taken(shift, cashier, park):
    walkin.walk_in_sale(shift=shift, park=park, visit_date=tomorrow(), slot="", ages=[4, 5], how="card", actor=cashier)
    with pytest.raises(SoldOut):
        walkin.walk_in_sale(
            shift=shift, park=park, visit_date=tomorrow(), slot="", ages=[4, 5], how="cash", actor=cashier
        )
    assert Order.objects.count() == 1 and Movement.objects.count() == 1
    assert services.drawer_cash(shift) == Decimal("1000.00")


def test_a_sale_without_an_open_shift_is_refused(shift, cashier, park):
    services.shift_close(shift=shift, counted="1000.00", actor=cashier)
    with pytest.raises(ShiftNotOpen):
        walkin.walk_in_sale(shift=shift, park=park, visit_date=tomorrow(), slot="", ages=[4], how="cash", actor=cashier)
    with pytest.raises(ShiftNotOpen):
        walkin.walk_in_sale(shift=None, park=park, visit_date=tomorrow(), slot="", ages=[4], how="cash", actor=cashier)
    assert not Order.objects.exists() and not SlotCapacity.objects.filter(sold__gt=0).exists()


def test_an_existing_customer_is_attached_by_phone(shift, cashier, park):
    customer = UserFactory(phone="+996555123987")
    ticket, _movement = walkin.walk_in_sale(
        shift=shift,
        park=park,
        visit_date=tomorrow(),
        slot="",
        ages=[6],
        phone="0555 123 987",
        how="cash",
        actor=cashier,
    )
    assert ticket.customer == customer and ticket.order.customer == customer
    # An unknown phone falls back to the desk's walk-in account.
    other, _movement = walkin.walk_in_sale(
        shift=shift,
        park=park,
        visit_date=tomorrow(),
        slot="",
        ages=[6],
        phone="+996 700 999 111",
        how="cash",
        actor=cashier,
    )
    assert other.customer == walkin.walk_in_customer(shift.desk)


def test_the_desk_page_prices_sells_and_shows_the_ticket(
    client, shift, cashier, park, django_capture_on_commit_callbacks
):
    slotted = ParkFactory()
    slot = TimeSlotFactory(park=slotted, code="morning")
    client.force_login(cashier)
    url = reverse("cashdesk:desk")
    form = {
        "action": "walkin",
        "walkin-park": park.pk,
        "walkin-visit_date": tomorrow().isoformat(),
        "walkin-ages": "2, 5",
        "walkin-names": "Aida, Bek",
        "walkin-how": "cash",
    }
    priced = client.post(url, {**form, "step": "quote"})
    assert priced.status_code == 200 and b"walk-in-quote" in priced.content and not Order.objects.exists()
    assert "800" in priced.content.decode()
    # Bad input is refused with form errors, never a 500.
    for bad in ({"walkin-ages": "two"}, {"walkin-ages": "30"}, {"walkin-phone": "12"}, {"walkin-visit_date": "x"}):
        page = client.post(url, {**form, **bad, "step": "sell"})
        assert page.status_code == 200 and b'role="alert"' in page.content
    slotless = client.post(url, {**form, "walkin-park": slotted.pk, "step": "sell"})
    assert b'role="alert"' in slotless.content
    wrong_park = client.post(url, {**form, "walkin-slot": f"{slotted.pk}:{slot.code}", "step": "sell"})
    assert b'role="alert"' in wrong_park.content
    assert not Order.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        sold = client.post(url, {**form, "step": "sell"})
    assert sold.status_code == 302
    ticket = Ticket.objects.get()
    assert sold.url == reverse("cashdesk:sold", args=[ticket.pk])
    page = client.get(sold.url, follow=True)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ACTIVE, ticket.status
    assert b"ticket__qr" in page.content and ticket.backup_code_display.encode() in page.content
    pdf = client.get(reverse("cashdesk:sold-pdf", args=[ticket.pk]), follow=True)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    full = client.post(url, {**form, "walkin-ages": "4, 5", "step": "sell"})
    assert full.status_code == 200 and b'role="alert"' in full.content
    slotted_sale = client.post(
        url, {**form, "walkin-park": slotted.pk, "walkin-slot": f"{slotted.pk}:{slot.code}", "step": "sell"}
    )
    assert slotted_sale.status_code == 302 and Ticket.objects.get(park=slotted).slot == "morning"


def test_the_desk_page_refuses_a_walk_in_sale_without_a_shift(client, cashier, park):
    client.force_login(cashier)
    page = client.post(
        reverse("cashdesk:desk"),
        {
            "action": "walkin",
            "walkin-park": park.pk,
            "walkin-visit_date": tomorrow().isoformat(),
            "walkin-ages": "5",
            "walkin-how": "cash",
            "step": "sell",
        },
        follow=True,
    )
    assert page.status_code == 200 and "Open a shift before selling." in page.content.decode()
    assert not Order.objects.exists()
