"""Races against a real PostgreSQL. Skipped on SQLite, which serialises writers anyway."""

from decimal import Decimal

import pytest
from django.db import connection

from loyalty import services
from loyalty.errors import CouponExhausted, NotEnoughPoints
from loyalty.models import Account, CouponRedemption, LedgerEntry, PosTransaction
from skypark.accounts.tests.factories import MerchantFactory, UserFactory
from skypark.core.testing import run_together

from .factories import CouponFactory, give_points

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

# PostgreSQL on the shared machines allows 100 connections for everyone, so the races
# run on at most 25 threads (one connection each) that start together behind a barrier.
THREADS = 25


def test_50_concurrent_redemptions_never_overdraw_one_balance():
    customer, merchant = UserFactory(), MerchantFactory()
    give_points(customer, 100, reference="a")
    give_points(customer, 150, reference="b")

    def redeem(i):
        return lambda: services.pos_points_redeem(merchant=merchant, customer=customer, points=10, reference=f"r{i}")

    results, errors = run_together([redeem(i) for i in range(50)], threads=THREADS)
    assert len(results) == 25, "250 points pay for exactly 25 redemptions of 10"
    assert len(errors) == 25 and all(isinstance(e, NotEnoughPoints) for e in errors)
    account = Account.objects.get(customer=customer)
    assert account.balance == 0
    assert LedgerEntry.objects.filter(kind="redeemed").count() == 25
    assert services.ledger_mismatches() == []


def test_20_concurrent_retries_with_one_external_id_create_one_transaction():
    customer, merchant = UserFactory(), MerchantFactory()

    def record():
        return services.pos_transaction_record(
            merchant=merchant,
            customer=customer,
            external_id="till-1-000123",
            amount=Decimal("1000.00"),
            lines=[{"name": "Coffee", "quantity": 2, "unit_price": "500.00"}],
        )

    results, errors = run_together([record for _ in range(20)], threads=20)
    assert errors == []
    assert PosTransaction.objects.count() == 1
    assert sum(1 for _tx, created in results if created) == 1
    assert {tx.pk for tx, _created in results} == {PosTransaction.objects.get().pk}
    assert Account.objects.get(customer=customer).balance == 100, "points earned once"


def test_coupon_usage_limit_holds_under_concurrency():
    merchant = MerchantFactory()
    coupon = CouponFactory(max_uses=5, max_uses_per_customer=1)
    customers = [UserFactory() for _ in range(20)]

    def redeem(customer):
        return lambda: services.coupon_redeem(
            code=coupon.code, customer=customer, merchant=merchant, amount=Decimal("100")
        )

    results, errors = run_together([redeem(c) for c in customers], threads=20)
    assert len(results) == 5
    assert all(isinstance(e, CouponExhausted) for e in errors) and len(errors) == 15
    coupon.refresh_from_db()
    assert coupon.uses_count == 5 == CouponRedemption.objects.count()


def test_per_customer_coupon_limit_holds_under_concurrency():
    merchant, customer = MerchantFactory(), UserFactory()
    coupon = CouponFactory(max_uses=None, max_uses_per_customer=2)

    def redeem():
        return services.coupon_redeem(code=coupon.code, customer=customer, merchant=merchant, amount=Decimal("100"))

    results, errors = run_together([redeem for _ in range(10)], threads=10)
    assert len(results) == 2 and len(errors) == 8
    assert CouponRedemption.objects.filter(customer=customer).count() == 2


def test_concurrent_sales_spending_and_earning_on_one_balance_stay_consistent():
    """20 tills at once sell to one customer, each spending 10 points and earning on the
    rest: no deadlock, no overdraw, and a refused sale leaves no transaction behind."""
    customer, merchant = UserFactory(), MerchantFactory()
    give_points(customer, 50, reference="start")

    def sell(i):
        return lambda: services.pos_transaction_record(
            merchant=merchant,
            customer=customer,
            external_id=f"sale-{i}",
            amount=Decimal("100.00"),
            points_to_redeem=10,
        )

    results, errors = run_together([sell(i) for i in range(20)], threads=20)
    assert all(isinstance(e, NotEnoughPoints) for e in errors)
    assert PosTransaction.objects.count() == len(results) >= 5
    account = Account.objects.get(customer=customer)
    assert account.balance == 50 - 10 * len(results) + 9 * len(results)
    assert services.ledger_mismatches() == []
