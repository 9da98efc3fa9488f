"""The win-win matrix: per local day and hour, source partner × target partner and
currency, the cross-promo triggers (coupons issued), conversions (those coupons redeemed)
and the revenue the target gained with them.

``cross_promo_conversions`` is a SummingMergeTree: it holds counts and sums only (the rate
is computed when read), and rows with one key add up. Re-aggregating an hour must replace
it, never add to it, so the aggregation writes the difference: it reads what the store
holds for the hour, computes the hour afresh from the facts, and inserts fresh − held per
key (a negative row where a figure went down; a key that vanished gets its negation). The
sum of the hour's rows is then the fresh figure, whether or not parts have merged. One
aggregation at a time (a row lock), so two runs never both add the same difference.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .engines import get_engine
from .models import SyncState
from .schema import CROSS_PROMO_CONVERSIONS, CROSS_PROMO_FACTS

LOCK = "analytics.matrix"
KEY = ("source_merchant_id", "target_merchant_id", "currency")
ZERO = Decimal("0.00")


def _hour_start(at):
    local = timezone.localtime(at)
    return local.replace(minute=0, second=0, microsecond=0)


def matrix_aggregate_hour(*, hour, engine=None) -> int:
    """Replaces the matrix rows of the local hour that ``hour`` falls in; returns the rows
    written. Locks the matrix's ``SyncState`` row for the duration."""
    engine = engine or get_engine()
    start = _hour_start(hour)
    params = {
        "since": start,
        "until": start + timedelta(hours=1),
        "day": start.date(),
        "hour": start.hour,
        "tz": settings.TIME_ZONE,
    }
    SyncState.objects.get_or_create(source=LOCK)
    with transaction.atomic():
        SyncState.objects.select_for_update().get(source=LOCK)
        fresh = engine.query(
            f"""SELECT source_merchant_id, target_merchant_id, currency,
                       countIf(kind = 'trigger') AS t, countIf(kind = 'conversion') AS c,
                       sumIf(revenue, kind = 'conversion') AS r
                FROM {CROSS_PROMO_FACTS.latest("occurred_at >= {since} AND occurred_at < {until}")}
                GROUP BY source_merchant_id, target_merchant_id, currency""",
            params,
        )
        held = engine.query(
            f"""SELECT source_merchant_id, target_merchant_id, currency,
                       sum(triggers) AS t, sum(conversions) AS c, sum(revenue) AS r
                FROM {CROSS_PROMO_CONVERSIONS.name} WHERE date = {{day}} AND hour = {{hour}}
                GROUP BY source_merchant_id, target_merchant_id, currency""",
            params,
        )
        figures = {}
        for sign, rows in ((1, fresh), (-1, held)):
            for row in rows:
                key = tuple(row[k] for k in KEY)
                t, c, r = figures.get(key, (0, 0, ZERO))
                figures[key] = (t + sign * row["t"], c + sign * row["c"], r + sign * Decimal(row["r"]))
        deltas = [
            {
                "date": params["day"],
                "hour": params["hour"],
                "source_merchant_id": key[0],
                "target_merchant_id": key[1],
                "currency": key[2],
                "triggers": t,
                "conversions": c,
                "revenue": r.quantize(ZERO),
            }
            for key, (t, c, r) in sorted(figures.items())
            if t or c or r
        ]
        engine.insert(CROSS_PROMO_CONVERSIONS.name, deltas)
        SyncState.objects.filter(source=LOCK).update(last_run_at=timezone.now(), caught_up_at=timezone.now())
    return len(deltas)


def matrix_aggregate_recent(*, hours=3, now=None, engine=None) -> int:
    """The hourly job: the current hour and the ``hours`` before it, each replaced (facts
    synced late still reach their hour)."""
    now = now or timezone.now()
    start = _hour_start(now)
    return sum(matrix_aggregate_hour(hour=start - timedelta(hours=i), engine=engine) for i in range(hours, -1, -1))


def matrix_aggregate_range(*, since: datetime, until: datetime, engine=None) -> int:
    """Every hour from ``since`` to ``until`` (a backfill after downtime)."""
    hour, written = _hour_start(since), 0
    while hour < until:
        written += matrix_aggregate_hour(hour=hour, engine=engine)
        hour += timedelta(hours=1)
    return written
