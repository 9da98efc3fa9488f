"""RFM snapshots: one row per customer, scope (0 = the whole network, else a merchant)
and currency per day, with the scores and segment of ``segments``; computed inside the
store (one INSERT ... SELECT) from the latest version of each transaction fact."""

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .engines import get_engine
from .schema import RFM_SNAPSHOTS, TRANSACTION_FACTS
from .segments import segment_sql

WINDOW_DAYS = 365


def _score(order_by):
    return (
        # count() over the default frame (RANGE up to the current row, ties included) is
        # the number of customers as good or worse: segments.score in SQL.
        f"toUInt8(intDiv(5 * (count() OVER (PARTITION BY scope, currency ORDER BY {order_by})) "
        f"+ count() OVER (PARTITION BY scope, currency) - 1, count() OVER (PARTITION BY scope, currency)))"
    )


def rfm_select_sql() -> str:
    facts = TRANSACTION_FACTS.latest()
    return f"""
WITH facts AS (
    SELECT user_id, merchant_id, currency, toDate(occurred_at, {{tz}}) AS day, amount - refunded AS net
    FROM {facts}
    WHERE occurred_at < {{until}} AND occurred_at >= {{since}} AND user_id != 0 AND amount - refunded > 0
),
per_customer AS (
    SELECT scope, currency, user_id,
           toInt32(dateDiff('day', max(day), {{day}})) AS recency_days,
           toInt32(count()) AS frequency_count,
           sum(net) AS monetary_value
    FROM (
        SELECT 0 AS scope, user_id, currency, day, net FROM facts
        UNION ALL
        SELECT merchant_id AS scope, user_id, currency, day, net FROM facts WHERE merchant_id != 0
    )
    GROUP BY scope, currency, user_id
),
scored AS (
    SELECT *,
           {_score("recency_days DESC")} AS r_score,
           {_score("frequency_count ASC")} AS f_score,
           {_score("monetary_value ASC")} AS m_score
    FROM per_customer
)
SELECT scope AS scope_merchant_id, {{day}} AS snapshot_date, currency, user_id, recency_days, frequency_count,
       monetary_value, r_score, f_score, m_score, {segment_sql()} AS rfm_segment,
       toUInt64({{version}}) AS version, toUInt8(0) AS is_deleted
FROM scored
"""


def rfm_snapshot_create(*, day=None, engine=None) -> int:
    """Writes the snapshot of ``day`` (default: today) over the 365 days before it; a second
    run the same day replaces the first (a higher version per key). Returns the rows."""
    engine = engine or get_engine()
    day = day or timezone.localdate()
    tz = timezone.get_default_timezone()
    from datetime import datetime
    from datetime import time as dtime

    until = timezone.make_aware(datetime.combine(day + timedelta(days=1), dtime.min), tz)
    since = until - timedelta(days=WINDOW_DAYS)
    params = {"day": day, "until": until, "since": since, "tz": settings.TIME_ZONE, "version": time.time_ns() // 1000}
    engine.insert_select("rfm_snapshots", rfm_select_sql(), params)
    return engine.scalar(f"SELECT count() FROM {RFM_SNAPSHOTS.latest('snapshot_date = {day}')}", {"day": day})
