"""Property: for any sequence of earns, redemptions, expiries, refunds, voids and coupon
redemptions at several partners, with periods closing in between, the statements equal
the ledger — the reconciliation finds nothing, each period's net positions sum to zero,
and each partner's points on its statements are the points its ledger moved."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty import services as loyalty
from loyalty.clearing import services
from loyalty.clearing.models import SettlementPeriod, Statement
from loyalty.models import Coupon, CouponRedemption, CrossPromo, LedgerEntry, PointLot, PosTransaction
from skypark.core.errors import DomainError

from .conftest import cents, later

pytestmark = pytest.mark.django_db

partner = st.integers(0, 2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), partner, st.integers(1, 3000)),
        st.tuples(st.just("redeem"), partner, st.integers(1, 150)),
        st.tuples(st.just("spend"), partner, st.integers(1, 150)),
        st.tuples(st.just("expire"), st.integers(0, 5)),
        st.tuples(st.just("refund"), st.integers(0, 9), st.integers(1, 100)),
        st.tuples(st.just("void"), st.integers(0, 9)),
        st.tuples(st.just("coupon"), partner, partner, st.integers(1, 300)),
        st.tuples(
            st.just("close"),
        ),
    ),
    min_size=1,
    max_size=14,
)


class Rollback(Exception):
    pass


def _run(op, partners, customers, state):
    kind = op[0]
    if kind == "earn":
        state["n"] += 1
        loyalty.pos_transaction_record(
            merchant=partners[op[1]], customer=customers[state["n"] % 2], external_id=f"e{state['n']}", amount=op[2]
        )
    elif kind == "redeem":
        state["n"] += 1
        loyalty.pos_transaction_record(
            merchant=partners[op[1]],
            customer=customers[0],
            external_id=f"r{state['n']}",
            amount=Decimal("5000"),
            points_to_redeem=op[2],
        )
    elif kind == "spend":
        state["n"] += 1
        loyalty.pos_points_redeem(
            merchant=partners[op[1]], customer=customers[1], points=op[2], reference=f"s{state['n']}"
        )
    elif kind == "expire":
        lot = PointLot.objects.filter(remaining__gt=0).order_by("id")[op[1] : op[1] + 1].first()
        if lot is not None:
            PointLot.objects.filter(pk=lot.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
            loyalty.points_expire()
    elif kind == "refund":
        tx = PosTransaction.objects.order_by("id")[op[1] : op[1] + 1].first()
        if tx is not None:
            loyalty.pos_transaction_refund(
                pos_transaction=tx, amount=(tx.amount * op[2] / 100).quantize(Decimal("0.01"))
            )
    elif kind == "void":
        tx = PosTransaction.objects.order_by("id")[op[1] : op[1] + 1].first()
        if tx is not None:
            loyalty.pos_transaction_void(pos_transaction=tx)
    elif kind == "coupon":
        source, target = partners[op[1]], partners[op[2]]
        promo = None
        if source != target:
            promo = CrossPromo.objects.create(name="c", source_merchant=source, target_merchant=target)
        state["n"] += 1
        coupon = Coupon.objects.create(
            code=f"P{state['n']}", merchant=target, kind=Coupon.Kind.FIXED, value=Decimal(op[3]), promo=promo
        )
        loyalty.coupon_redeem(
            code=coupon.code, customer=customers[0], merchant=target, amount=Decimal("1000"), reference=f"c{state['n']}"
        )
    elif kind == "close":
        state["days"] += 7
        services.periods_close_due(now=later(state["days"]))


def _check(partners):
    assert services.reconcile() == []
    for period in SettlementPeriod.objects.all():
        assert cents(period.statements.aggregate(s=Sum("net"))["s"]) == 0
    statements = Statement.objects.filter(merchant__isnull=False)
    for merchant in partners:
        mine = statements.filter(merchant=merchant).aggregate(
            issued=Sum("issued_points"), redeemed=Sum("redeemed_here_points"), received=Sum("coupons_received")
        )
        entries = LedgerEntry.objects.filter(account__merchant__isnull=True, merchant=merchant)
        earned = entries.filter(kind="earned").aggregate(s=Sum("points"))["s"] or 0
        taken_back = entries.filter(kind="reversed", points__lt=0).aggregate(s=Sum("points"))["s"] or 0
        spent = entries.filter(kind="redeemed").aggregate(s=Sum("points"))["s"] or 0
        given_back = entries.filter(kind="reversed", points__gt=0).aggregate(s=Sum("points"))["s"] or 0
        assert (mine["issued"] or 0) == earned + taken_back
        assert (mine["redeemed"] or 0) == -(spent + given_back)
        discounts = cents(CouponRedemption.objects.filter(merchant=merchant).aggregate(s=Sum("discount"))["s"])
        assert cents(mine["received"]) == discounts


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=operations)
def test_statements_equal_the_ledger_for_any_sequence(coalition, partners, ops):
    from skypark.accounts.tests.factories import UserFactory

    try:
        with transaction.atomic():
            customers = [UserFactory(), UserFactory()]
            state = {"n": 0, "days": 0}
            for op in ops:
                try:
                    with transaction.atomic():
                        _run(op, partners, customers, state)
                except DomainError:
                    pass
            # Everything still open closes, so every movement is on a statement.
            services.periods_close_due(now=later(state["days"] + 7))
            _check(partners)
            raise Rollback
    except Rollback:
        pass
