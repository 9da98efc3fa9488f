"""First-expiring-first, as a property: whatever lots an account holds and whatever is
spent, in any order and as time passes, a spend never takes from a later-expiring lot
while an earlier-expiring, unexpired lot still has points left. Each spend is compared
with the lots as they were just before it: the lots it took from must be the first ones
in (expiry, id) order, every one but the last drained to zero."""

import datetime

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from loyalty.errors import NotEnoughPoints
from loyalty.models import LedgerEntry, PointLot
from loyalty.services.ledger import _debit, account_get_or_create, account_lock
from skypark.accounts.tests.factories import UserFactory

from .factories import give_points

steps = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 300), st.integers(1, 365)),
        st.tuples(st.just("spend"), st.integers(1, 400), st.just(0)),
        st.tuples(st.just("wait"), st.integers(1, 120), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


class TestFirstExpiringFirst(HypothesisTestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=steps)
    def test_no_later_lot_is_spent_while_an_earlier_one_has_points(self, steps):
        customer = UserFactory()
        account = account_get_or_create(customer=customer)
        start = timezone.now()
        clock = start
        spends = 0
        for action, amount, days in steps:
            if action == "earn":
                give_points(customer, amount, expires_at=clock + datetime.timedelta(days=days, seconds=amount))
            elif action == "wait":
                clock += datetime.timedelta(days=amount)
            else:
                before = list(
                    PointLot.objects.filter(account=account, remaining__gt=0, expires_at__gt=clock)
                    .order_by("expires_at", "id")
                    .values_list("pk", "remaining")
                )
                try:
                    with transaction.atomic():
                        entry = _debit(
                            account_lock(account),
                            kind=LedgerEntry.Kind.REDEEMED,
                            points=amount,
                            source="property",
                            reference=f"spend-{spends}",
                            now=clock,
                        )
                except NotEnoughPoints:
                    assert sum(left for _pk, left in before) < amount
                    continue
                spends += 1
                taken = dict(entry.lot_uses.values_list("lot_id", "points"))
                assert sum(taken.values()) == amount
                expected, need = {}, amount
                for pk, left in before:
                    if need == 0:
                        break
                    expected[pk] = min(left, need)
                    need -= expected[pk]
                assert taken == expected, (before, taken)
