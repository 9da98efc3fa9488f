"""RFM snapshots: scores, segments, per merchant, migration, campaign export, and a
Python recomputation that must equal the store's."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from skypark.analytics import selectors, sync
from skypark.analytics.campaigns import segment_campaign_create, segment_campaign_send
from skypark.analytics.rfm import rfm_snapshot_create
from skypark.analytics.segments import GRID, SEGMENTS, score, segment_of
from skypark.notify.models import Notification

from .helpers import customer, sale

DAY = date(2026, 11, 30)


def _fact(i, user, merchant, days_ago, amount, currency="KGS", refunded="0.00"):
    at = timezone.make_aware(datetime.combine(DAY - timedelta(days=days_ago), time(12)))
    return {
        "user_id": user,
        "occurred_at": at,
        "transaction_id": f"pos:{i}",
        "source": "pos",
        "merchant_id": merchant,
        "category": "till",
        "currency": currency,
        "amount": Decimal(amount),
        "refunded": Decimal(refunded),
        "bonus_accrued": Decimal("0"),
        "status": "completed",
        "version": 1,
        "is_deleted": 0,
    }


def python_rfm(facts, day):
    """The definition in ``segments``, computed in plain Python."""
    groups = defaultdict(lambda: {"last": None, "n": 0, "money": Decimal("0")})
    for f in facts:
        local = timezone.localtime(f["occurred_at"]).date()
        net = f["amount"] - f["refunded"]
        if net <= 0 or not (day - timedelta(days=364) <= local <= day):
            continue
        for scope in {0, f["merchant_id"]}:
            g = groups[(scope, f["currency"], f["user_id"])]
            g["last"] = max(g["last"] or local, local)
            g["n"] += 1
            g["money"] += net
    by_partition = defaultdict(list)
    for (scope, currency, user), g in groups.items():
        by_partition[(scope, currency)].append((user, (day - g["last"]).days, g["n"], g["money"]))
    result = {}
    for (scope, currency), rows in by_partition.items():

        def scores(values, better_is_lower):
            worse_or_equal = (lambda v, w: w >= v) if better_is_lower else (lambda v, w: w <= v)
            return {v: score(sum(1 for w in values if worse_or_equal(v, w)), len(values)) for v in set(values)}

        r = scores([x[1] for x in rows], better_is_lower=True)
        f = scores([x[2] for x in rows], better_is_lower=False)
        m = scores([x[3] for x in rows], better_is_lower=False)
        for user, rec, n, money in rows:
            result[(scope, currency, user)] = (rec, n, money, r[rec], f[n], m[money], segment_of(r[rec], f[n]))
    return result


def test_the_grid_names_every_cell_and_only_known_segments():
    assert len(GRID) == 25 and set(GRID.values()) == set(SEGMENTS)


def test_snapshot_equals_the_python_definition_per_network_merchant_and_currency(store):
    rng = random.Random(7)
    facts = []
    for i in range(600):
        currency = "GBP" if i % 5 == 0 else "KGS"
        facts.append(
            _fact(
                i,
                rng.randint(1, 60),
                rng.choice([11, 12, 13]),
                rng.randint(0, 400),
                f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}",
                currency,
                refunded="1.00" if i % 17 == 0 else "0.00",
            )
        )
    store.insert("transaction_facts", facts)
    rows = rfm_snapshot_create(day=DAY, engine=store)
    expected = python_rfm(facts, DAY)
    assert rows == len(expected)
    got = {}
    for scope in (0, 11, 12, 13):
        for r in selectors.rfm_customers(scope=scope, day=DAY):
            got[(scope, r["currency"], r["user_id"])] = (
                r["recency_days"],
                r["frequency_count"],
                r["monetary_value"],
                r["r_score"],
                r["f_score"],
                r["m_score"],
                r["rfm_segment"],
            )
    assert got == expected
    # currencies are ranked apart: a GBP customer never shares a partition with KGS
    assert {k[1] for k in got} == {"KGS", "GBP"}

    # running the day again replaces the snapshot rather than adding to it
    rfm_snapshot_create(day=DAY, engine=store)
    sizes = selectors.rfm_segment_sizes(scope=0, day=DAY)
    assert sum(s["customers"] for s in sizes) == len([k for k in expected if k[0] == 0])


def test_segment_migration_between_snapshots(store):
    store.insert("transaction_facts", [_fact(1, 1, 11, 1, "10.00"), _fact(2, 2, 11, 300, "10.00")])
    rfm_snapshot_create(day=DAY - timedelta(days=1), engine=store)
    store.insert("transaction_facts", [_fact(3, 2, 11, 0, "10.00"), _fact(4, 3, 11, 0, "10.00")])
    rfm_snapshot_create(day=DAY, engine=store)
    moves = selectors.rfm_migration(scope=0, before=DAY - timedelta(days=1), after=DAY)
    moved = {(m["from_segment"], m["to_segment"]): m["customers"] for m in moves}
    assert sum(moved.values()) == 3
    assert any(frm == "" for frm, _to in moved)  # customer 3 is new in the second snapshot
    before = {r["user_id"]: r["rfm_segment"] for r in selectors.rfm_customers(scope=0, day=DAY - timedelta(days=1))}
    after = {r["user_id"]: r["rfm_segment"] for r in selectors.rfm_customers(scope=0, day=DAY)}
    assert moved[(before[2], after[2])] >= 1


@pytest.mark.django_db
def test_a_segment_exported_to_a_campaign_reaches_its_customers_once(store):
    loyal = [customer() for _ in range(3)]
    other = customer()
    for buyer in loyal:
        for _ in range(3):
            sale(buyer=buyer, amount="100.00")
    sale(buyer=other, amount="5.00", days_ago=200)
    sync.facts_sync()
    today = timezone.localdate()
    rfm_snapshot_create(day=today)
    sizes = {s["rfm_segment"]: s["customers"] for s in selectors.rfm_segment_sizes(scope=0, day=today)}
    segment = segment_of(5, 5)
    assert sizes[segment] == 3
    campaign = segment_campaign_create(
        segment=segment, snapshot_date=today, subject="Thank you", message="A gift", channel="in_app"
    )
    assert sorted(campaign.recipient_ids) == sorted(u.pk for u in loyal)
    assert segment_campaign_send(campaign_id=campaign.pk) == 3
    assert segment_campaign_send(campaign_id=campaign.pk) == 3  # the same rows, nothing new
    assert Notification.objects.filter(object_id=str(campaign.pk)).count() == 3
    assert not Notification.objects.filter(recipient=other).exists()
