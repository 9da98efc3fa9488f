"""The till's totals and holds under real concurrency on PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import connection

from loyalty import services
from loyalty.errors import NotEnoughPoints
from loyalty.models import Account, CustomerTotals, FraudFlag, PointLot, PosTransaction
from skypark.accounts.models import MerchantMembership, MerchantPlan
from skypark.accounts.plans import PlanLimitReached
from skypark.accounts.services import merchant_membership_add
from skypark.accounts.tests.factories import MerchantFactory, UserFactory
from skypark.config import selectors
from skypark.config.models import SystemSetting
from skypark.core.testing import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

THREADS = 20


def test_20_concurrent_completions_keep_the_totals_exact():
    """Twenty pending sales of one customer at two merchants, each completed twice at
    once: every sale completes once, and the totals add up to the cent."""
    customer = UserFactory()
    merchants = [MerchantFactory(), MerchantFactory()]
    sales = [
        services.pos_transaction_record(
            merchant=merchants[n % 2],
            customer=customer,
            external_id=f"p{n}",
            amount=Decimal("100.10") + n,
            status="pending",
        )[0]
        for n in range(20)
    ]
    jobs = [lambda tx=tx: services.pos_transaction_complete(pos_transaction=tx) for tx in sales for _twice in (1, 2)]
    results, errors = run_together(jobs, threads=THREADS)
    assert errors == []
    assert sum(1 for _tx, changed in results if changed) == 20
    expected = sum(tx.amount for tx in sales)
    network = CustomerTotals.objects.get(customer=customer, merchant=None)
    assert (network.total_spent, network.transactions) == (expected, 20)
    per_merchant = CustomerTotals.objects.filter(customer=customer, merchant__isnull=False)
    assert sum(row.total_spent for row in per_merchant) == expected
    assert sorted(row.transactions for row in per_merchant) == [10, 10]
    assert PosTransaction.objects.filter(status="completed").count() == 20
    assert Account.objects.get(customer=customer).balance == sum(
        tx.points_earned for tx in PosTransaction.objects.all()
    )
    assert services.ledger_mismatches() == []


def test_a_held_lot_cannot_be_redeemed_by_concurrent_spends():
    SystemSetting.objects.update_or_create(
        key="loyalty.fraud_velocity_customer_points", defaults={"value": 50, "data_type": "number"}
    )
    selectors.invalidate()
    try:
        customer, merchant = UserFactory(), MerchantFactory()
        services.pos_transaction_record(merchant=merchant, customer=customer, external_id="big", amount=Decimal(1000))
        flag = FraudFlag.objects.get()
        jobs = [
            lambda n=n: services.pos_points_redeem(merchant=merchant, customer=customer, points=10, reference=f"r{n}")
            for n in range(20)
        ]
        results, errors = run_together(jobs, threads=THREADS)
        assert results == [] and len(errors) == 20 and all(isinstance(e, NotEnoughPoints) for e in errors)
        assert PointLot.objects.get(hold=flag).remaining == 100
        assert Account.objects.get(customer=customer).balance == 100
    finally:
        SystemSetting.objects.filter(key="loyalty.fraud_velocity_customer_points").delete()
        selectors.invalidate()


def test_a_release_racing_spends_never_lets_held_points_go_before_it():
    """Spends and the release race: the spends that ran before the release found
    nothing spendable, those after it spent; the ledger always balances."""
    SystemSetting.objects.update_or_create(
        key="loyalty.fraud_velocity_customer_points", defaults={"value": 50, "data_type": "number"}
    )
    selectors.invalidate()
    try:
        customer, merchant = UserFactory(), MerchantFactory()
        services.pos_transaction_record(merchant=merchant, customer=customer, external_id="big", amount=Decimal(1000))
        flag = FraudFlag.objects.get()
        jobs = [lambda: services.fraud_flag_release(flag=flag, actor=None)] + [
            lambda n=n: services.pos_points_redeem(merchant=merchant, customer=customer, points=10, reference=f"r{n}")
            for n in range(15)
        ]
        results, errors = run_together(jobs, threads=16)
        assert all(isinstance(e, NotEnoughPoints) for e in errors)
        spent = len(results) - 1
        assert Account.objects.get(customer=customer).balance == 100 - 10 * spent
        assert services.ledger_mismatches() == []
    finally:
        SystemSetting.objects.filter(key="loyalty.fraud_velocity_customer_points").delete()
        selectors.invalidate()


def test_concurrent_staff_additions_never_exceed_the_plans_seats():
    plan = MerchantPlan.objects.create(code="two", name="Two seats", staff_seats=2)
    merchant = MerchantFactory(plan=plan)
    users = [UserFactory() for _ in range(10)]
    jobs = [lambda u=u: merchant_membership_add(merchant=merchant, user=u, role="cashier", actor=None) for u in users]
    results, errors = run_together(jobs)
    assert len(results) == 2 and all(isinstance(e, PlanLimitReached) for e in errors)
    assert MerchantMembership.objects.filter(merchant=merchant).count() == 2
