"""The win-win matrix: re-aggregating an hour replaces it, never adds to it (no OPTIMIZE)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from skypark.analytics import selectors
from skypark.analytics.matrix import matrix_aggregate_hour, matrix_aggregate_recent

HOUR = timezone.make_aware(datetime(2026, 11, 20, 14, 0))


def _event(i, kind, source=1, target=2, minutes=5, revenue="0.00", currency="KGS", version=1, deleted=0):
    return {
        "source_merchant_id": source,
        "target_merchant_id": target,
        "occurred_at": HOUR + timedelta(minutes=minutes),
        "event_id": f"{kind}:{i}",
        "kind": kind,
        "user_id": i,
        "currency": currency,
        "revenue": Decimal(revenue),
        "version": version,
        "is_deleted": deleted,
    }


def _rows(store):
    day = HOUR.date()
    return {
        (r["source_merchant_id"], r["target_merchant_id"], r["currency"]): (
            r["triggers"],
            r["conversions"],
            r["revenue"],
            r["conversion_rate"],
        )
        for r in selectors.matrix_rows(since=day, until=day)
    }


@pytest.mark.django_db
def test_reaggregating_an_hour_replaces_it(store):
    store.insert(
        "cross_promo_facts",
        [
            _event(1, "trigger"),
            _event(2, "trigger"),
            _event(3, "trigger"),
            _event(4, "trigger"),
            _event(1, "conversion", revenue="300.00"),
            _event(5, "trigger", source=3, target=2, currency="GBP"),
        ],
    )
    matrix_aggregate_hour(hour=HOUR, engine=store)
    first = _rows(store)
    assert first[(1, 2, "KGS")] == (4, 1, Decimal("300.00"), 0.25)
    assert first[(3, 2, "GBP")] == (1, 0, Decimal("0.00"), 0.0)

    matrix_aggregate_hour(hour=HOUR + timedelta(minutes=30), engine=store)
    matrix_aggregate_hour(hour=HOUR, engine=store)
    assert _rows(store) == first

    # a second conversion arrives and the GBP trigger is withdrawn: the hour is replaced
    store.insert(
        "cross_promo_facts",
        [
            _event(2, "conversion", revenue="100.00"),
            _event(5, "trigger", source=3, target=2, currency="GBP", version=2, deleted=1),
        ],
    )
    matrix_aggregate_hour(hour=HOUR, engine=store)
    after = _rows(store)
    assert after[(1, 2, "KGS")] == (4, 2, Decimal("400.00"), 0.5)
    assert (3, 2, "GBP") not in after or after[(3, 2, "GBP")][:3] == (0, 0, Decimal("0.00"))


@pytest.mark.django_db
def test_the_hourly_job_covers_the_recent_hours(store):
    store.insert("cross_promo_facts", [_event(1, "trigger", minutes=-70)])
    matrix_aggregate_recent(now=HOUR + timedelta(minutes=10), engine=store)
    matrix_aggregate_recent(now=HOUR + timedelta(minutes=20), engine=store)
    assert _rows(store)[(1, 2, "KGS")][0] == 1
