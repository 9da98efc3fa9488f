"""Hand-built CSV reports never write a live spreadsheet formula."""

import csv
import io
from decimal import Decimal

import pytest

from skypark.core.csv_export import csv_response, safe_cell


@pytest.mark.parametrize(
    "value, written",
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("\t=1", "'\t=1"),
        ("-50.00", "-50.00"),
        ("+996555123456", "+996555123456"),
        ("Latte", "Latte"),
        ("", ""),
    ],
)
def test_formula_cells_are_written_as_text(value, written):
    assert safe_cell(value) == written


def test_numbers_and_dates_pass_unchanged():
    assert safe_cell(Decimal("-5.00")) == Decimal("-5.00") and safe_cell(3) == 3 and safe_cell(None) is None


def test_a_report_escapes_every_text_cell_and_the_header():
    response = csv_response("x.csv", ["=bad header", "ok"], [["=1+1", Decimal("2.50")]])
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["'=bad header", "ok"], ["'=1+1", "2.50"]]


@pytest.mark.django_db
def test_the_partner_transactions_export_escapes_an_external_id(admin_client_logged):
    from decimal import Decimal as D

    from loyalty.services import pos_transaction_record
    from skypark.accounts.tests.factories import MerchantFactory, UserFactory

    tx, _ = pos_transaction_record(
        merchant=MerchantFactory(),
        customer=UserFactory(),
        external_id='=HYPERLINK("http://evil.example","click")',
        amount=D("100"),
    )
    response = admin_client_logged.post(
        "/admin/loyalty/postransaction/", {"action": "export_transactions_csv", "_selected_action": [tx.pk]}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","click")'
