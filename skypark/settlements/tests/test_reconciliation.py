"""Reconciling a provider's settlement report: matched, mismatched (gross, fee, net,
state), unmatched and missing lines; each provider's format; staff actions."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from skypark.commerce.models import Payment
from skypark.commerce.services import payment_complete, payment_start
from skypark.commerce.tests.factories import pending_order
from skypark.settlements import formats
from skypark.settlements.models import SettlementLine, SettlementReport
from skypark.settlements.services import (
    ReportAlreadyImported,
    expected_fee,
    line_resolve,
    report_import,
    report_rematch,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The problems are written in the language of whoever imports; read them in English.
    with translation.override("en"):
        yield


def _paid(provider, price="790.00"):
    order = pending_order(count=1, price=price)
    payment, _action = payment_start(order=order, provider=provider, method=provider)
    return payment_complete(payment=payment, metadata={"test": True})


def _omoney_csv(rows):
    lines = ["txn_date,merchant_ref,amount,fee,net,currency"] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def test_a_report_with_matched_missing_and_mismatched_lines(staff_user):
    ok, wrong_fee, wrong_gross, absent = (_paid("omoney"), _paid("omoney"), _paid("omoney"), _paid("omoney", "1580.00"))
    failed = pending_order()
    failed_payment, _a = payment_start(order=failed, provider="omoney", method="omoney")
    day = timezone.localdate().isoformat()
    content = _omoney_csv(
        [
            (day, ok.external_id, "790.00", "15.80", "774.20", "KGS"),  # 2 % of 790
            (day, wrong_fee.external_id, "790.00", "19.75", "770.25", "KGS"),  # 2.5 %: not the contract
            (day, wrong_gross.external_id, "800.00", "16.00", "784.00", "KGS"),
            (day, failed_payment.external_id, "1580.00", "31.60", "1548.40", "KGS"),  # not paid here
            (day, "omoney-999999-deadbeef", "100.00", "2.00", "98.00", "KGS"),  # not ours
            (day, ok.external_id.replace("omoney", "omoney"), "790.00", "15.80", "770.00", "KGS"),  # net off
        ]
    )
    report = report_import(provider="omoney", report_date=timezone.localdate(), content=content, actor=staff_user)
    lines = {(line.line_number, line.status) for line in report.lines.all()}
    assert lines == {
        (2, "matched"),
        (3, "mismatched"),
        (4, "mismatched"),
        (5, "mismatched"),
        (6, "unmatched"),
        (7, "mismatched"),
        (None, "missing"),
    }
    by_line = {line.line_number: line for line in report.lines.all()}
    assert "fee 19.75, the contract gives 15.80" in by_line[3].problem
    assert "gross 800.00, ours 790.00" in by_line[4].problem
    assert "the payment is" in by_line[5].problem
    assert "net 770.00 is not gross less fee" in by_line[7].problem
    missing = report.lines.get(status="missing")
    assert missing.payment == absent and missing.gross == Decimal("1580.00")
    # A payment of another provider is never "missing" from this one's report.
    _paid("mbank")
    assert report.lines.filter(status="missing").count() == 1


def test_the_same_file_is_imported_once():
    payment = _paid("omoney")
    content = _omoney_csv([("2026-12-05", payment.external_id, "790.00", "15.80", "774.20", "KGS")])
    report_import(provider="omoney", report_date=timezone.localdate(), content=content)
    with pytest.raises(ReportAlreadyImported):
        report_import(provider="omoney", report_date=timezone.localdate(), content=content)
    assert SettlementReport.objects.count() == 1


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe",
        b"wrong,header\n",
        b"txn_date,merchant_ref,amount,fee,net,currency\nx,y,1.2.3,0,0,KGS\n",
        b"txn_date,merchant_ref,amount,fee,net,currency\nshort,row\n",
    ],
)
def test_a_file_that_is_not_the_format_imports_nothing(content):
    with pytest.raises(formats.FormatError):
        report_import(provider="omoney", report_date=timezone.localdate(), content=content)
    assert not SettlementReport.objects.exists() and not SettlementLine.objects.exists()


def test_each_providers_format_reads_its_documented_example():
    mbank = "Дата;Номер платежа;Сумма;Комиссия;К перечислению;Валюта\n05.12.2026;mbank-1042-9f3a1c2b;1 580,00;23,70;1556,30;KGS\n"
    [row] = formats.read("mbank", ("\ufeff" + mbank).encode())
    assert (row.reference, row.gross, row.fee, row.net, row.currency) == (
        "mbank-1042-9f3a1c2b",
        Decimal("1580.00"),
        Decimal("23.70"),
        Decimal("1556.30"),
        "KGS",
    )
    elcard = "TRAN_DATE,RRN,ORDER_ID,AMOUNT,FEE,SETTLED,CCY\n20261205,634012345678,elcard-1044-0c1d2e3f,1580.00,31.60,1548.40,417\n"
    [row] = formats.read("elcard", elcard.encode())
    assert (row.reference, row.currency, row.net) == ("elcard-1044-0c1d2e3f", "KGS", Decimal("1548.40"))
    elqr = "date;payment_reference;bill_number;gross;commission;net\n05.12.2026;elqr-1045-5a6b7c8d;SP-7K2M9Q4X;790.00;5.53;784.47\n"
    [row] = formats.read("elqr", elqr.encode())
    assert (row.reference, row.fee, row.currency) == ("elqr-1045-5a6b7c8d", Decimal("5.53"), "KGS")
    assert expected_fee("elqr", Decimal("790.00")) == Decimal("5.53")
    assert expected_fee("mbank", Decimal("1580.00")) == Decimal("23.70")


def test_staff_close_lines_and_rematch(staff_user):
    content = _omoney_csv([("2026-12-05", "omoney-later", "790.00", "15.80", "774.20", "KGS")])
    report = report_import(provider="omoney", report_date=timezone.localdate(), content=content)
    line = report.lines.get()
    assert line.status == "unmatched"
    # The payment turns out to be ours under that reference (e.g. it was settled late).
    payment = _paid("omoney")
    Payment.objects.filter(pk=payment.pk).update(external_id="omoney-later")
    assert report_rematch(report=report) == 1
    line.refresh_from_db()
    assert line.status == "matched" and line.payment_id == payment.pk
    other = report_import(
        provider="omoney",
        report_date=timezone.localdate(),
        content=_omoney_csv([("x", "nope", "1.00", "0.02", "0.98", "KGS")]),
    ).lines.get(line_number=2)
    closed = line_resolve(line=other, actor=staff_user, note="called O!")
    assert closed.status == "resolved" and closed.resolved_by == staff_user and closed.note == "called O!"


def test_admin_import_and_actions(admin_client_logged):
    payment = _paid("elqr")
    content = (
        "date;payment_reference;bill_number;gross;commission;net\n"
        f"05.12.2026;{payment.external_id};{payment.order.reference};790.00;5.53;784.47\n"
        "05.12.2026;elqr-unknown;SP-X;100.00;0.70;99.30\n"
    ).encode()
    page = admin_client_logged.get("/admin/settlements/settlementreport/")
    assert page.status_code == 200 and b"/admin/settlements/settlementreport/import/" in page.content
    response = admin_client_logged.post(
        "/admin/settlements/settlementreport/import/",
        {
            "provider": "elqr",
            "report_date": timezone.localdate().isoformat(),
            "file": SimpleUploadedFile("elqr.csv", content),
        },
    )
    assert response.status_code == 302
    report = SettlementReport.objects.get()
    assert sorted(report.lines.values_list("status", flat=True)) == ["matched", "unmatched"]
    assert admin_client_logged.get(response["Location"]).status_code == 200
    unknown = report.lines.get(status="unmatched")
    admin_client_logged.post(
        "/admin/settlements/settlementline/", {"action": "ignore", "_selected_action": [unknown.pk]}
    )
    unknown.refresh_from_db()
    assert unknown.status == "ignored"
    garbage = admin_client_logged.post(
        "/admin/settlements/settlementreport/import/",
        {"provider": "mbank", "report_date": "2026-12-05", "file": SimpleUploadedFile("x.csv", b"nonsense")},
    )
    assert garbage.status_code == 200 and SettlementReport.objects.count() == 1
