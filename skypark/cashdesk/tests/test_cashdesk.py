"""Cash desks: shifts with a float, cash and card-terminal sales through the checkout,
cash refunds and pay-outs in the drawer, closing with the count and its over/short,
fiscal receipts, and the cashier's page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from skypark.accounts.tests.factories import StaffFactory
from skypark.audit.models import AuditEntry
from skypark.cashdesk import services
from skypark.cashdesk.errors import NotEnoughCash, NotYourShift, ShiftAlreadyOpen, ShiftNotOpen
from skypark.cashdesk.fiscal import FiscalBackend, FiscalError
from skypark.cashdesk.models import CashDesk, FiscalReceipt, Movement, Shift
from skypark.cashdesk.selectors import shift_report
from skypark.commerce.errors import ProviderUnavailable
from skypark.commerce.models import Order, Payment
from skypark.commerce.services import payment_start
from skypark.commerce.tests.factories import pending_order

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


def test_a_shift_closes_with_the_right_over_short(shift, cashier, django_capture_on_commit_callbacks):
    cash_order, card_order = pending_order(), pending_order(price="500.00", count=1)
    with django_capture_on_commit_callbacks(execute=True):
        sale = services.desk_sale(shift=shift, order=cash_order, how="cash", actor=cashier)
        card = services.desk_sale(shift=shift, order=card_order, how="card", actor=cashier, reference="APPR 123456")
    cash_order.refresh_from_db()
    card_order.refresh_from_db()
    assert cash_order.status == Order.Status.PAID and card_order.status == Order.Status.PAID
    assert sale.payment.provider == "cash" and card.payment.method == "card_terminal"
    assert card.payment.metadata["terminal_reference"] == "APPR 123456"
    # The card does not go in the drawer; refunds and pay-outs come out of it.
    assert services.drawer_cash(shift) == Decimal("2580.00")
    with django_capture_on_commit_callbacks(execute=True):
        [refund] = services.desk_refund(
            shift=shift, order=cash_order, amount="500.00", reason="one child ill", actor=cashier
        )
    assert refund.kind == Movement.Kind.CASH_REFUND and refund.fiscal.data["kind"] == "refund"
    services.desk_payout(shift=shift, amount="200.00", reason="napkins", actor=cashier)
    assert services.drawer_cash(shift) == Decimal("1880.00")
    closed = services.shift_close(shift=shift, counted="1860.00", actor=cashier, note="20 short")
    assert closed.status == Shift.Status.CLOSED
    assert (closed.expected_cash, closed.counted_cash, closed.difference) == (
        Decimal("1880.00"),
        Decimal("1860.00"),
        Decimal("-20.00"),
    )
    entry = AuditEntry.objects.get(action="cashdesk.shift.closed")
    assert entry.data == {"expected": "1880.00", "counted": "1860.00", "over_short": "-20.00"}
    report = shift_report(closed)
    assert report.totals[Movement.Kind.CASH_SALE] == (1, Decimal("1580.00"))
    assert report.totals[Movement.Kind.CASH_REFUND] == (1, Decimal("500.00"))
    assert report.card_total == Decimal("500.00")
    # Nothing lands on a closed shift.
    with pytest.raises(ShiftNotOpen):
        services.desk_payout(shift=shift, amount="1.00", reason="late", actor=cashier)
    with pytest.raises(ShiftNotOpen):
        services.shift_close(shift=shift, counted="0", actor=cashier)


def test_over_is_positive(shift, cashier):
    services.desk_sale(shift=shift, order=pending_order(), how="cash", actor=cashier)
    assert services.shift_close(shift=shift, counted="2600.00", actor=cashier).difference == Decimal("20.00")


def test_fiscal_receipts_are_numbered_per_register(shift, cashier):
    first = services.desk_sale(shift=shift, order=pending_order(), how="cash", actor=cashier).fiscal
    second = services.desk_sale(shift=shift, order=pending_order(), how="card", actor=cashier).fiscal
    assert first.register_number == second.register_number == "SIMULATOR-ASIA1"
    assert (first.document_number, second.document_number) == (1, 2)
    assert first.fiscal_sign and first.fiscal_sign != second.fiscal_sign


class RefusingRegister(FiscalBackend):
    name = "refusing"

    def register(self, **kwargs):
        raise FiscalError()


def test_a_refused_fiscal_receipt_rolls_the_sale_back(settings, shift, cashier):
    settings.FISCAL_BACKEND = "skypark.cashdesk.tests.test_cashdesk.RefusingRegister"
    order = pending_order()
    with pytest.raises(FiscalError):
        services.desk_sale(shift=shift, order=order, how="cash", actor=cashier)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert not Payment.objects.filter(order=order).exists()
    assert not Movement.objects.exists() and not FiscalReceipt.objects.exists()


def test_one_open_shift_per_desk_and_cashier(desk, shift, cashier):
    with pytest.raises(ShiftAlreadyOpen):
        services.shift_open(desk=desk, cashier=StaffFactory(), float_amount="0")
    with pytest.raises(ShiftAlreadyOpen):
        services.shift_open(desk=CashDesk.objects.create(code="ASIA2", name="2"), cashier=cashier, float_amount="0")


def test_only_the_shifts_cashier_works_on_it(shift):
    with pytest.raises(NotYourShift):
        services.desk_payout(shift=shift, amount="1.00", reason="x", actor=StaffFactory())


def test_the_drawer_cannot_go_below_zero(shift, cashier):
    with pytest.raises(NotEnoughCash):
        services.desk_payout(shift=shift, amount="1000.01", reason="too much", actor=cashier)
    order = pending_order(price="2000.00", count=1)
    services.desk_sale(shift=shift, order=order, how="cash", actor=cashier)
    services.desk_payout(shift=shift, amount="2500.00", reason="collection", actor=cashier)
    with pytest.raises(NotEnoughCash):
        services.desk_refund(shift=shift, order=order, amount="600.00", reason="x", actor=cashier)


def test_customers_cannot_start_a_terminal_payment(client, customer):
    order = pending_order(customer)
    with pytest.raises(ProviderUnavailable):
        payment_start(order=order, provider="terminal", method="card_terminal", actor=customer)
    customer.language = "en"
    customer.save(update_fields=["language"])
    client.force_login(customer)
    html = client.get(reverse("commerce:order-pay", args=[order.reference])).content.decode()
    assert "terminal" not in html


def test_cashier_page_opens_sells_and_closes(client, desk, cashier):
    client.force_login(cashier)
    url = reverse("cashdesk:desk")
    page = client.get(url, follow=True)
    assert page.status_code == 200
    url = page.redirect_chain[-1][0] if page.redirect_chain else url
    assert client.post(url, {"action": "open", "open-desk": desk.pk, "open-float_amount": "500"}).status_code == 302
    order = pending_order()
    response = client.post(
        url, {"action": "sale", "sale-order": order.reference.lower(), "sale-how": "cash"}, follow=True
    )
    assert b"SIMULATOR-ASIA1/1" in response.content
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    missing = client.post(url, {"action": "sale", "sale-order": "SP-NOPE", "sale-how": "cash"})
    assert missing.status_code == 200 and b'role="alert"' in missing.content
    client.post(url, {"action": "close", "close-counted": "2080.00"})
    shift = Shift.objects.get()
    assert shift.status == Shift.Status.CLOSED and shift.difference == Decimal("0.00")


def test_shift_report_in_the_admin(admin_client_logged, shift, cashier):
    services.desk_sale(shift=shift, order=pending_order(), how="cash", actor=cashier)
    services.shift_close(shift=shift, counted="2570.00", actor=cashier)
    listing = admin_client_logged.get("/admin/cashdesk/shift/")
    assert listing.status_code == 200 and b"-10" in listing.content
    page = admin_client_logged.get(f"/admin/cashdesk/shift/{shift.pk}/change/")
    assert page.status_code == 200 and b"SIMULATOR-ASIA1/1" in page.content
    assert admin_client_logged.get("/admin/cashdesk/fiscalreceipt/").status_code == 200


def test_only_staff_who_may_take_money_work_at_a_desk(client):
    from django.contrib.auth.models import Permission

    staff = StaffFactory(is_superuser=False)
    client.force_login(staff)
    assert client.get(reverse("cashdesk:desk"), follow=True).status_code == 403
    assert client.get(reverse("commerce:cashier-elqr"), follow=True).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="confirm_cash_payment"))
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached on the instance
    client.force_login(staff)
    assert client.get(reverse("cashdesk:desk"), follow=True).status_code == 200
