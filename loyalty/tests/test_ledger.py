import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from loyalty import services
from loyalty.errors import NotEnoughPoints, ReasonRequired
from loyalty.models import Account, LedgerEntry, PointLot
from loyalty.services.ledger import _debit, account_lock
from skypark.accounts.tests.factories import UserFactory
from skypark.audit.models import AuditEntry

from .factories import give_points

Kind = LedgerEntry.Kind
pytestmark = pytest.mark.django_db


def now_plus(days):
    return timezone.now() + datetime.timedelta(days=days)


def redeem(account, points, reference=""):
    with transaction.atomic():
        return _debit(account_lock(account), kind=Kind.REDEEMED, points=points, source="test", reference=reference)


def test_spending_takes_the_first_expiring_lot_first(shopper):
    late = give_points(shopper, 100, expires_at=now_plus(300))
    early = give_points(shopper, 50, expires_at=now_plus(10))
    middle = give_points(shopper, 80, expires_at=now_plus(100))
    account = Account.objects.get(customer=shopper)
    entry = redeem(account, 70)
    uses = {u.lot_id: u.points for u in entry.lot_uses.all()}
    assert uses == {early.lot.pk: 50, middle.lot.pk: 20}
    remaining = dict(PointLot.objects.values_list("pk", "remaining"))
    assert remaining == {early.lot.pk: 0, middle.lot.pk: 60, late.lot.pk: 100}
    account.refresh_from_db()
    assert account.balance == 160 and entry.balance_after == 160


def test_expiry_removes_only_what_is_left_of_a_lot(shopper):
    lot_entry = give_points(shopper, 100, expires_at=now_plus(5))
    give_points(shopper, 40, expires_at=now_plus(400))
    account = Account.objects.get(customer=shopper)
    redeem(account, 30)
    expired = services.points_expire(now=now_plus(6))
    assert expired == 70
    entry = LedgerEntry.objects.get(kind=Kind.EXPIRED)
    assert entry.points == -70 and entry.lot_uses.get().lot_id == lot_entry.lot.pk
    account.refresh_from_db()
    assert account.balance == 40
    assert services.points_expire(now=now_plus(6)) == 0, "a second run expires nothing"
    assert services.ledger_mismatches() == []


def test_expired_points_cannot_be_spent_before_the_sweep(shopper):
    give_points(shopper, 100, expires_at=now_plus(-1))
    account = Account.objects.get(customer=shopper)
    with pytest.raises(NotEnoughPoints):
        redeem(account, 10)
    assert services.spendable_points(shopper) == 0


def test_overdraw_refused_and_nothing_written(shopper):
    give_points(shopper, 50)
    account = Account.objects.get(customer=shopper)
    before = LedgerEntry.objects.count()
    with pytest.raises(NotEnoughPoints) as exc:
        redeem(account, 51)
    assert exc.value.details == {"available": 50, "requested": 51}
    assert LedgerEntry.objects.count() == before
    account.refresh_from_db()
    assert account.balance == 50


def test_database_refuses_a_negative_balance(shopper):
    from django.db import IntegrityError

    give_points(shopper, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(customer=shopper).update(balance=-1)


def test_manual_adjustment_needs_a_reason_and_is_audited(shopper, staff_user):
    give_points(shopper, 10)
    account = Account.objects.get(customer=shopper)
    with pytest.raises(ReasonRequired):
        services.points_adjust(account=account, points=5, reason=" ", actor=staff_user)
    entry = services.points_adjust(account=account, points=-4, reason="double scan at the till", actor=staff_user)
    assert entry.kind == Kind.ADJUSTED and entry.points == -4 and entry.created_by == staff_user
    audit = AuditEntry.objects.get(action="loyalty.points.adjusted")
    assert audit.data["reason"] == "double scan at the till" and audit.after == {"balance": 6}
    with pytest.raises(NotEnoughPoints):
        services.points_adjust(account=account, points=-7, reason="too much", actor=staff_user)


def test_verify_command_exits_non_zero_on_a_mismatch(shopper):
    give_points(shopper, 10)
    out = StringIO()
    call_command("loyalty_verify", stdout=out)
    assert "1 accounts, all balanced" in out.getvalue()
    Account.objects.filter(customer=shopper).update(balance=9)
    with pytest.raises(SystemExit) as exc:
        call_command("loyalty_verify", stdout=out, stderr=StringIO())
    assert exc.value.code == 1


@settings(max_examples=25, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck))
class LedgerMachine(RuleBasedStateMachine):
    """Any sequence of earning, spending, adjusting, giving back and expiring keeps
    balance == sum(ledger) == sum(lots' remaining) and never goes below zero."""

    @initialize()
    def setup(self):
        self.customer = UserFactory()
        self.account = services.account_get_or_create(customer=self.customer)
        self.clock = timezone.now()
        self.debits = []
        self.expected = 0

    @rule(points=st.integers(1, 500), days=st.integers(1, 400))
    def earn(self, points, days):
        give_points(self.customer, points, expires_at=self.clock + datetime.timedelta(days=days))

    @rule(points=st.integers(1, 600))
    def spend(self, points):
        try:
            with transaction.atomic():
                entry = _debit(
                    account_lock(self.account), kind=Kind.REDEEMED, points=points, source="test", now=self.clock
                )
            self.debits.append(entry)
        except NotEnoughPoints:
            pass

    @rule(points=st.integers(-300, 300).filter(bool))
    def adjust(self, points):
        try:
            services.points_adjust(account=self.account, points=points, reason="test", actor=None)
        except NotEnoughPoints:
            pass

    @rule()
    def give_back_last(self):
        from loyalty.services.ledger import _give_back

        if self.debits:
            debit = self.debits.pop()
            with transaction.atomic():
                _give_back(
                    account_lock(self.account), debit=debit, source="test_back", reference=str(debit.pk), description=""
                )

    @rule(days=st.integers(1, 200))
    def time_passes_and_points_expire(self, days):
        self.clock += datetime.timedelta(days=days)
        services.points_expire(now=self.clock)

    @invariant()
    def balance_equals_ledger(self):
        if not hasattr(self, "account"):
            return
        assert services.ledger_mismatches() == []
        self.account.refresh_from_db()
        assert self.account.balance >= 0


class TestLedgerProperties(LedgerMachine.TestCase, HypothesisTestCase):
    pass
