"""Staff configure rules, review and approve statements, download them, record payments
and see the coalition's position on the dashboard."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty import services as loyalty
from loyalty.clearing import services
from loyalty.clearing.models import ClearingRule, Statement, StatementPayment

from .conftest import later

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(coalition, partners, shopper):
    coffee, books, _ = partners
    loyalty.pos_transaction_record(merchant=coffee, customer=shopper, external_id="t1", amount=Decimal("1000"))
    loyalty.pos_points_redeem(merchant=books, customer=shopper, points=20, reference="r1")
    (period,) = services.periods_close_due(now=later(7))
    return period


@pytest.mark.parametrize(
    "model",
    [
        "coalition",
        "clearingrule",
        "fundingrule",
        "journalentry",
        "settlementperiod",
        "statement",
        "statementline",
        "statementpayment",
    ],
)
def test_changelists_open_in_few_queries(closed, admin_client_logged, model, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        answer = admin_client_logged.get(reverse(f"admin:clearing_{model}_changelist"))
    assert answer.status_code == 200


def test_a_statement_and_a_journal_entry_open(closed, admin_client_logged):
    statement = Statement.objects.filter(merchant__isnull=False).first()
    assert admin_client_logged.get(reverse("admin:clearing_statement_change", args=[statement.pk])).status_code == 200
    entry = statement.lines.first().entry
    assert admin_client_logged.get(reverse("admin:clearing_journalentry_change", args=[entry.pk])).status_code == 200


def test_staff_download_a_statement(closed, admin_client_logged):
    statement = Statement.objects.filter(merchant__isnull=False).first()
    pdf = admin_client_logged.get(reverse("admin:clearing-statement-file", args=[statement.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    csv = admin_client_logged.get(reverse("admin:clearing-statement-file", args=[statement.pk, "csv"]))
    assert statement.number in csv.content.decode("utf-8-sig")


def test_staff_approve_then_record_a_payment(closed, admin_client_logged, partners):
    statement = Statement.objects.get(merchant=partners[0])
    url = reverse("admin:clearing_statement_changelist")
    admin_client_logged.post(url, {"action": "statements_approve", "_selected_action": [statement.pk]})
    statement.refresh_from_db()
    assert statement.status == Statement.Status.APPROVED
    add = reverse("admin:clearing_statementpayment_add")
    too_much = admin_client_logged.post(
        add, {"statement": statement.pk, "amount": "500.00", "reference": "BANK-1", "paid_on": "2026-12-01"}
    )
    assert too_much.status_code == 200 and not StatementPayment.objects.exists()
    answer = admin_client_logged.post(
        add, {"statement": statement.pk, "amount": "105.00", "reference": "BANK-1", "paid_on": "2026-12-01"}
    )
    assert answer.status_code == 302
    statement.refresh_from_db()
    assert statement.status == Statement.Status.PAID and statement.outstanding == 0


def test_rules_are_added_in_the_admin(coalition, admin_client_logged):
    answer = admin_client_logged.post(
        reverse("admin:clearing_clearingrule_add"),
        {
            "coalition": coalition.pk,
            "effective_from_0": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
            "effective_from_1": "00:00:00",
            "price_per_point": "1.2",
            "value_per_point": "0.9",
            "fee_percent": "3",
            "breakage_owner": "issuer",
            "coupon_funding": "split",
            "issuer_percent": "60",
            "acceptor_percent": "40",
            "operator_percent": "0",
        },
    )
    assert answer.status_code == 302, answer.content[:2000]
    assert ClearingRule.objects.count() == 2
    # Shares that do not add up to 100 are refused with a message, not a 500.
    bad = admin_client_logged.post(
        reverse("admin:clearing_clearingrule_add"),
        {
            "coalition": coalition.pk,
            "effective_from_0": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            "effective_from_1": "00:00:00",
            "price_per_point": "1",
            "value_per_point": "1",
            "fee_percent": "0",
            "breakage_owner": "operator",
            "coupon_funding": "split",
            "issuer_percent": "60",
            "acceptor_percent": "60",
            "operator_percent": "0",
        },
    )
    assert bad.status_code == 200 and ClearingRule.objects.count() == 2


def test_the_dashboard_shows_who_owes_whom(closed, admin_client_logged, partners, shopper):
    loyalty.pos_transaction_record(merchant=partners[0], customer=shopper, external_id="t2", amount=Decimal("100"))
    page = admin_client_logged.get(reverse("admin:index")).content.decode()
    assert "Svoy Krug" in page
    assert partners[0].name in page
