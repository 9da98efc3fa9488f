"""Periods close into one statement per party; statements add up, carry balances
forward, never change once closed, and equal the ledger."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from loyalty import services as loyalty
from loyalty.clearing import services
from loyalty.clearing.errors import PaymentTooLarge, StatementNotApproved
from loyalty.clearing.models import JournalEntry, SettlementPeriod, Statement
from loyalty.models import Coupon
from loyalty.tests.factories import CouponFactory, PromoFactory
from skypark.webhooks.models import WebhookDelivery, WebhookEndpoint

from .conftest import cents, later

pytestmark = pytest.mark.django_db

AMOUNTS = [
    "issued_amount",
    "fees",
    "redeemed_here_amount",
    "coupons_funded",
    "coupons_received",
    "breakage",
    "other",
    "payments",
]


def sale(merchant, customer, external_id, amount, **kwargs):
    return loyalty.pos_transaction_record(
        merchant=merchant, customer=customer, external_id=external_id, amount=Decimal(amount), **kwargs
    )[0]


def trade(partners, shopper):
    coffee, books, cinema = partners
    sale(coffee, shopper, "t1", "1000.00")
    sale(books, shopper, "t2", "400.00", points_to_redeem=30)
    promo = PromoFactory(source_merchant=coffee, target_merchant=cinema)
    coupon = CouponFactory(merchant=cinema, customer=shopper, kind=Coupon.Kind.FIXED, value=Decimal("70"), promo=promo)
    sale(cinema, shopper, "t3", "700.00", coupon_code=coupon.code)


def statement(period, merchant):
    return Statement.objects.get(period=period, merchant=merchant)


def test_a_closed_period_has_one_statement_per_party_that_adds_up(coalition, partners, shopper):
    trade(partners, shopper)
    (period,) = services.periods_close_due(now=later(7))
    statements = list(period.statements.all())
    assert {s.merchant_id for s in statements} == {p.pk for p in partners} | {None}
    assert sum(s.net for s in statements) == 0, "the parties' net positions sum to zero"
    for st in statements:
        assert st.net == sum(getattr(st, name) for name in AMOUNTS)
        assert st.net == cents(st.lines.aggregate(s=Sum("amount"))["s"]), "totals equal the sum of the lines"
        assert st.closing_balance == st.opening_balance + st.net
    coffee, books, cinema = partners
    coffee_st = statement(period, coffee)
    assert coffee_st.issued_points == 100 + 0 and coffee_st.issued_amount == Decimal("-100.00")
    assert coffee_st.fees == Decimal("-5.00")
    assert coffee_st.coupons_funded == Decimal("-70.00")
    assert coffee_st.redeemed_elsewhere_points == 30
    books_st = statement(period, books)
    assert books_st.redeemed_here_points == 30 and books_st.redeemed_here_amount == Decimal("24.00")
    assert statement(period, cinema).coupons_received == Decimal("70.00")
    assert services.reconcile() == []


def test_closing_is_idempotent_and_waits_for_the_end(coalition, partners, shopper):
    trade(partners, shopper)
    assert services.periods_close_due(now=timezone.now()) == []
    assert len(services.periods_close_due(now=later(7))) == 1
    assert services.periods_close_due(now=later(7)) == []
    assert SettlementPeriod.objects.count() == 1


def test_a_reversal_after_close_is_an_adjustment_of_the_next_period(coalition, partners, shopper):
    coffee = partners[0]
    tx = sale(coffee, shopper, "t1", "1000.00")
    (first,) = services.periods_close_due(now=later(7))
    before = statement(first, coffee)
    loyalty.pos_transaction_refund(pos_transaction=tx, amount=Decimal("500.00"))
    reversal = JournalEntry.objects.get(kind="reverse")
    assert reversal.period is None, "a closed period is never rewritten"
    (second,) = services.periods_close_due(now=later(14))
    reversal.refresh_from_db()
    assert reversal.period == second and reversal.is_adjustment
    after = statement(first, coffee)
    assert (after.net, after.closing_balance, after.lines.count()) == (before.net, before.closing_balance, 2)
    nxt = statement(second, coffee)
    assert nxt.opening_balance == before.closing_balance
    assert nxt.adjustments == nxt.net == Decimal("52.50")
    assert nxt.lines.filter(is_adjustment=True).count() == 2
    assert services.reconcile() == []


def test_payments_are_recorded_and_what_is_left_carries_forward(coalition, partners, shopper, staff_user):
    coffee = partners[0]
    sale(coffee, shopper, "t1", "1000.00")
    (first,) = services.periods_close_due(now=later(7))
    st = statement(first, coffee)
    assert st.closing_balance == Decimal("-105.00") and st.outstanding == Decimal("-105.00")
    with pytest.raises(StatementNotApproved):
        services.statement_payment_record(statement=st, amount="10", reference="PP-1", paid_on=timezone.localdate())
    services.statement_approve(statement=st, actor=staff_user)
    with pytest.raises(PaymentTooLarge):
        services.statement_payment_record(statement=st, amount="105.01", reference="PP-1", paid_on="2026-12-01")
    services.statement_payment_record(statement=st, amount="100", reference="PP-1", paid_on=timezone.localdate())
    services.statement_payment_record(statement=st, amount="100", reference="PP-1", paid_on=timezone.localdate())
    st.refresh_from_db()
    assert st.paid_amount == Decimal("100.00") and st.outstanding == Decimal("-5.00")
    assert st.status == Statement.Status.APPROVED
    (second,) = services.periods_close_due(now=later(14))
    nxt = statement(second, coffee)
    assert (nxt.opening_balance, nxt.payments, nxt.closing_balance) == (
        Decimal("-105.00"),
        Decimal("100.00"),
        Decimal("-5.00"),
    )
    services.statement_payment_record(statement=st, amount="5", reference="PP-2", paid_on=timezone.localdate())
    st.refresh_from_db()
    assert st.status == Statement.Status.PAID
    assert services.reconcile() == []


def test_closing_sends_each_partner_a_signed_settlement_closed_webhook(coalition, partners, shopper):
    coffee = partners[0]
    WebhookEndpoint.objects.create(merchant=coffee, url="https://partner.example/hook", secret="s" * 32)
    sale(coffee, shopper, "t1", "1000.00")
    services.periods_close_due(now=later(7))
    delivery = WebhookDelivery.objects.get(event="settlement.closed")
    assert delivery.merchant == coffee
    assert delivery.payload["data"]["closing_balance"] == "-105.00"


def test_approving_the_last_statement_approves_the_period(coalition, partners, shopper, staff_user):
    sale(partners[0], shopper, "t1", "1000.00")
    (period,) = services.periods_close_due(now=later(7))
    for st in period.statements.all():
        services.statement_approve(statement=st, actor=staff_user)
    period.refresh_from_db()
    assert period.status == SettlementPeriod.Status.APPROVED


def test_the_reconciliation_command_finds_a_tampered_statement(coalition, partners, shopper):
    trade(partners, shopper)
    services.periods_close_due(now=later(7))
    call_command("clearing_reconcile")
    Statement.objects.filter(merchant=partners[0]).update(fees=Decimal("0.00"))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("clearing_reconcile")


def test_monthly_periods_run_calendar_months(partners, shopper):
    from .conftest import coalition_make

    coalition = coalition_make(period="monthly")
    sale(partners[0], shopper, "t1", "100.00")
    periods = services.periods_close_due(now=later(40))
    assert periods
    for period in periods:
        start = timezone.localtime(period.starts_at)
        end = timezone.localtime(period.ends_at)
        assert start.day == 1 and end.day == 1 and start.hour == 0
    assert coalition.entries.filter(period__isnull=True).count() == 0


def test_the_close_job_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    services.schedules_install()
    assert PeriodicTask.objects.filter(task="loyalty.clearing.tasks.clearing_periods_close").exists()


def test_the_close_task_closes_due_periods(coalition, partners, shopper, monkeypatch):
    from loyalty.clearing import tasks

    sale(partners[0], shopper, "t1", "100.00")
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=8))
    assert tasks.clearing_periods_close() == 1
