"""Reads of the analytical store. Every figure is per currency: nothing adds KGS to GBP.
``scope`` is 0 for the whole network or a merchant's id."""

from .engines import get_engine
from .schema import ACTIVITY_FACTS, CROSS_PROMO_CONVERSIONS, RFM_SNAPSHOTS, TRANSACTION_FACTS, WEB_EVENTS


def _rfm(where):
    return RFM_SNAPSHOTS.latest(where)


def rfm_latest_date(*, scope, on_or_before=None):
    where = "scope_merchant_id = {scope}" + (" AND snapshot_date <= {day}" if on_or_before else "")
    rows = get_engine().query(
        f"SELECT max(snapshot_date) AS d, count() AS n FROM {_rfm(where)}", {"scope": scope, "day": on_or_before}
    )
    return rows[0]["d"] if rows and rows[0]["n"] else None


def rfm_segment_sizes(*, scope, day):
    """``[{currency, rfm_segment, customers, monetary}]`` of the snapshot of ``day``."""
    return get_engine().query(
        f"""SELECT currency, rfm_segment, count() AS customers, sum(monetary_value) AS monetary
            FROM {_rfm("scope_merchant_id = {scope} AND snapshot_date = {day}")}
            GROUP BY currency, rfm_segment ORDER BY currency, customers DESC, rfm_segment""",
        {"scope": scope, "day": day},
    )


def rfm_distribution(*, scope, day):
    """The R × F grid: ``[{currency, r_score, f_score, customers}]``."""
    return get_engine().query(
        f"""SELECT currency, r_score, f_score, count() AS customers
            FROM {_rfm("scope_merchant_id = {scope} AND snapshot_date = {day}")}
            GROUP BY currency, r_score, f_score ORDER BY currency, r_score, f_score""",
        {"scope": scope, "day": day},
    )


def rfm_migration(*, scope, before, after):
    """How customers moved between segments from snapshot ``before`` to ``after``
    (``from_segment`` is empty for a customer absent from ``before``)."""
    return get_engine().query(
        f"""SELECT b.currency AS currency, a.rfm_segment AS from_segment, b.rfm_segment AS to_segment,
                   count() AS customers
            FROM {_rfm("scope_merchant_id = {scope} AND snapshot_date = {after}")} AS b
            LEFT JOIN {_rfm("scope_merchant_id = {scope} AND snapshot_date = {before}")} AS a
              ON a.user_id = b.user_id AND a.currency = b.currency
            GROUP BY currency, from_segment, to_segment
            ORDER BY currency, customers DESC, from_segment, to_segment""",
        {"scope": scope, "before": before, "after": after},
    )


def rfm_segment_members(*, scope, day, segment, currency=None):
    """The customers' ids in a segment of the snapshot of ``day``."""
    where = "scope_merchant_id = {scope} AND snapshot_date = {day}"
    if currency:
        where += " AND currency = {currency}"
    rows = get_engine().query(
        f"SELECT DISTINCT user_id FROM {_rfm(where)} WHERE rfm_segment = {{segment}} ORDER BY user_id",
        {"scope": scope, "day": day, "segment": segment, "currency": currency},
    )
    return [r["user_id"] for r in rows]


def rfm_customers(*, scope, day):
    return get_engine().query(
        f"""SELECT currency, user_id, recency_days, frequency_count, monetary_value, r_score, f_score, m_score,
                   rfm_segment
            FROM {_rfm("scope_merchant_id = {scope} AND snapshot_date = {day}")} ORDER BY currency, user_id""",
        {"scope": scope, "day": day},
    )


def revenue_by_day(*, since, until, merchant_ids=None):
    """``[{day, currency, revenue, transactions}]``; ``merchant_ids`` limits it to those merchants."""
    where = "toDate(occurred_at) >= {since} AND toDate(occurred_at) <= {until}"
    if merchant_ids is not None:
        where += " AND merchant_id IN {merchants}"
    return get_engine().query(
        f"""SELECT toDate(occurred_at) AS day, currency, sum(amount - refunded) AS revenue, count() AS transactions
            FROM {TRANSACTION_FACTS.latest()} WHERE {where}
            GROUP BY day, currency ORDER BY day, currency""",
        {"since": since, "until": until, "merchants": list(merchant_ids or [0])},
    )


def matrix_rows(*, since, until, merchant_ids=None):
    """The win-win matrix: per source × target partner and currency, triggers, conversions,
    the revenue the target gained and the conversion rate (computed here, never stored)."""
    where = "date >= {since} AND date <= {until}"
    if merchant_ids is not None:
        where += " AND (source_merchant_id IN {merchants} OR target_merchant_id IN {merchants})"
    rows = get_engine().query(
        f"""SELECT source_merchant_id, target_merchant_id, currency, sum(triggers) AS t, sum(conversions) AS c,
                   sum(revenue) AS r
            FROM {CROSS_PROMO_CONVERSIONS.name} WHERE {where}
            GROUP BY source_merchant_id, target_merchant_id, currency
            ORDER BY source_merchant_id, target_merchant_id, currency""",
        {"since": since, "until": until, "merchants": list(merchant_ids or [0])},
    )
    return [
        {
            "source_merchant_id": row["source_merchant_id"],
            "target_merchant_id": row["target_merchant_id"],
            "currency": row["currency"],
            "triggers": row["t"],
            "conversions": row["c"],
            "revenue": row["r"],
            "conversion_rate": round(row["c"] / row["t"], 4) if row["t"] else 0.0,
        }
        for row in rows
    ]


def park_daily_stats(*, since, until, park_ids=None):
    """Per park and day: visitors, visits, revenue per currency, visitors by age band."""
    where = "day >= {since} AND day <= {until}"
    if park_ids is not None:
        where += " AND place_id IN {parks}"
    params = {"since": since, "until": until, "parks": list(park_ids or [0])}
    engine = get_engine()
    visits = engine.query(
        f"""SELECT place_id AS park_id, day, sum(quantity) AS visitors, count() AS visits,
                   sum(arrayCount(a -> a <= 3, ages)) AS age_0_3,
                   sum(arrayCount(a -> a >= 4 AND a <= 7, ages)) AS age_4_7,
                   sum(arrayCount(a -> a >= 8 AND a <= 12, ages)) AS age_8_12,
                   sum(arrayCount(a -> a >= 13, ages)) AS age_13_plus,
                   sum(quantity) - sum(length(ages)) AS age_unknown
            FROM {ACTIVITY_FACTS.latest()} WHERE kind = 'visit' AND {where}
            GROUP BY park_id, day ORDER BY day, park_id""",
        params,
    )
    revenue = engine.query(
        f"""SELECT place_id AS park_id, day, currency, sum(amount) AS revenue, count() AS tickets
            FROM {ACTIVITY_FACTS.latest()} WHERE kind = 'ticket' AND status != 'cancelled' AND {where}
            GROUP BY park_id, day, currency ORDER BY day, park_id, currency""",
        params,
    )
    return visits, revenue


def park_occupancy_by_hour(*, day, park_ids=None, tz="UTC"):
    """Visitors inside each park at each hour of ``day`` (a visit counts in every hour from
    its entry to its exit, or to the end of the day while still inside)."""
    where = "day = {day}" + (" AND place_id IN {parks}" if park_ids is not None else "")
    return get_engine().query(
        f"""SELECT place_id AS park_id, hour, sum(quantity) AS visitors
            FROM (
                SELECT place_id, quantity,
                       arrayJoin(range(toHour(started_at, {{tz}}),
                                       if(ended_at IS NULL OR toDate(ended_at, {{tz}}) > day, 24,
                                          toHour(ended_at, {{tz}}) + 1))) AS hour
                FROM {ACTIVITY_FACTS.latest()} WHERE kind = 'visit' AND {where}
            )
            GROUP BY park_id, hour ORDER BY park_id, hour""",
        {"day": day, "parks": list(park_ids or [0]), "tz": tz},
    )


FUNNEL_STEPS = ("viewed", "quoted", "placed", "paid")


def purchase_funnel(*, since, until):
    """Per product on sale (``park``, ``event``, ``session``): the visitors who opened its
    purchase page, asked for a price, placed an order, and whose order was paid. A visitor
    is one visitor key, i.e. one browser on one network on one day."""
    where = "toDate(occurred_at) >= {since} AND toDate(occurred_at) <= {until}"
    return get_engine().query(
        f"""SELECT product,
                   uniqExactIf(visitor, kind = 'page_view') AS viewed,
                   uniqExactIf(visitor, kind = 'purchase_quoted') AS quoted,
                   uniqExactIf(visitor, kind = 'purchase_placed') AS placed,
                   uniqExactIf(visitor, kind = 'purchase_placed' AND object_id IN (
                       SELECT transaction_id FROM {TRANSACTION_FACTS.latest("source = 'platform'")})) AS paid
            FROM {WEB_EVENTS.latest(where)} WHERE product != ''
            GROUP BY product ORDER BY product""",
        {"since": since, "until": until},
    )


def page_views(*, since, until, limit=20):
    """The most viewed pages: ``[{route, views, visitors, mobile}]`` (``mobile``: views from phones)."""
    where = "kind = 'page_view' AND toDate(occurred_at) >= {since} AND toDate(occurred_at) <= {until}"
    return get_engine().query(
        f"""SELECT route, count() AS views, uniqExact(visitor) AS visitors,
                   countIf(device_type = 'mobile') AS mobile
            FROM {WEB_EVENTS.latest(where)}
            GROUP BY route ORDER BY views DESC, route LIMIT {{limit}}""",
        {"since": since, "until": until, "limit": limit},
    )
