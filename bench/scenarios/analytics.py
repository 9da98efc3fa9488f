"""``analytics``: the analytical store on chdb at scale, against PostgreSQL on the same data.

Seeded in SQL (``generate_series``): 500,000 till transactions over 20,000 customers and
20 partners (``--quick``: 20,000 over 2,000), a tenth of them in GBP, over the last 400
days; and 50,000 cross-promo facts (quick: 5,000) written straight into the store. The
issue's scale, 5,000,000 over 200,000 customers (matrix: 500,000 facts), runs with
``BENCH_ANALYTICS_SCALE=issue`` in the environment; the default tenth keeps ``make bench``
within a few minutes.)

1. Sync throughput: ``source_sync`` of the transactions into chdb, rows/s.
2. The RFM snapshot over all of it (network and each partner), seconds; the same
   definition in PostgreSQL (window functions over the transactions), seconds; ratio.
3. The partner API at 8 clients: segment sizes and matrix rows (p50/p95/p99); the same
   two figures computed in PostgreSQL from the transactions (ms), ratio.

Correctness counters: ``facts_mismatch`` (facts in the store vs source rows, count and sum
per currency), ``rfm_mismatch`` (customers of a 500-customer sample whose recency,
frequency, monetary, scores or segment in the store differ from a recomputation in Python
from PostgreSQL's rows), ``resync_changed`` (a full re-sync from an empty watermark moves a
figure), and ``failed_requests``.
"""

import os
import time

from bench.harness import RESULTS_DIR, CpuMeter, Server, build_summary, django_step, ratio, run_load
from bench.scenarios import floor, loyaltykit

PARTNERS = 20
STORE = str(RESULTS_DIR / "analytics-store")
TARGETS = {"sync_rows_s>=": 100_000, "rfm_seconds<=": 10, "api_p99_ms<=": 200}


def seed(customers: int, transactions: int) -> dict:
    from django.db import connection

    from bench.scenarios import parkkit
    from bench.sql import analyze, insert_series
    from loyalty.models import Account, PosTransaction
    from skypark.accounts.services import api_key_issue
    from skypark.accounts.tests.factories import MerchantFactory

    users = parkkit.customers_insert(customers, "+99677")
    first_user = users.first().pk
    insert_series(
        Account, customers, {"customer": f"{first_user - 1} + i", "created_at": "now()", "updated_at": "now()"}
    )
    first_account = Account.objects.filter(customer_id=first_user).values_list("pk", flat=True).get()
    merchants = [MerchantFactory(code=f"bench-an-{n}") for n in range(PARTNERS)]
    first_merchant = merchants[0].pk
    insert_series(
        PosTransaction,
        transactions,
        {
            "merchant": f"{first_merchant} + (i % {PARTNERS})",
            "customer": f"{first_user} + ((i * 7919) % {customers})",
            "account": f"{first_account} + ((i * 7919) % {customers})",
            "external_id": "'an' || i",
            "currency": "CASE WHEN i % 10 = 0 THEN 'GBP' ELSE 'KGS' END",
            "amount": "(100 + (i * 37) % 5000)::numeric(12, 2)",
            "occurred_at": "now() - ((i * 13) % 400) * interval '1 day' - (i % 600) * interval '1 minute'",
            "created_at": f"now() - ({transactions} - i) * interval '1 millisecond'",
            "updated_at": f"now() - ({transactions} - i) * interval '1 millisecond'",
        },
    )
    analyze(PosTransaction)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM loyalty_postransaction")
        (rows,) = cursor.fetchone()
    _key, plaintext = api_key_issue(merchant=merchants[0], name="bench analytics", actor=None)
    return {"rows": rows, "merchant": first_merchant, "merchants": [m.pk for m in merchants], "key": plaintext}


def _figures(engine):
    from skypark.analytics.schema import TRANSACTION_FACTS

    return engine.query(
        f"SELECT currency, count() AS n, sum(amount) AS total FROM {TRANSACTION_FACTS.latest()} "
        "WHERE source = 'pos' GROUP BY currency ORDER BY currency"
    )


def sync_run() -> dict:
    from django.core.management import call_command

    from skypark.analytics.engines import get_engine
    from skypark.analytics.sync import source_sync
    from skypark.core.facts import fact_sources

    call_command("analytics_migrate")
    started = time.perf_counter()
    rows = source_sync(source=fact_sources()["loyalty.pos_transactions"], batch=50_000)
    seconds = time.perf_counter() - started
    engine = get_engine()
    engine.compact(at=2)
    return {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_s": round(rows / seconds, 1) if seconds else None,
        "figures": [{**f, "total": str(f["total"])} for f in _figures(engine)],
    }


def source_figures() -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT currency, count(*), sum(amount - discount) FROM loyalty_postransaction "
            "WHERE status != 'voided' GROUP BY currency ORDER BY currency"
        )
        return [{"currency": c, "n": n, "total": str(t)} for c, n, t in cursor.fetchall()]


PG_RFM = """
WITH facts AS (
    SELECT customer_id AS user_id, merchant_id, currency, (occurred_at AT TIME ZONE %(tz)s)::date AS day,
           amount - discount - refunded_amount AS net
    FROM loyalty_postransaction
    WHERE status != 'voided' AND occurred_at < %(until)s AND occurred_at >= %(since)s
      AND amount - discount - refunded_amount > 0
), per AS (
    SELECT scope, currency, user_id, %(day)s::date - max(day) AS rec, count(*) AS freq, sum(net) AS money
    FROM (SELECT 0 AS scope, * FROM facts UNION ALL SELECT merchant_id AS scope, * FROM facts) f
    GROUP BY scope, currency, user_id
)
SELECT scope, currency, user_id, rec, freq, money,
  (5 * count(*) OVER (PARTITION BY scope, currency ORDER BY rec DESC RANGE UNBOUNDED PRECEDING)
     + count(*) OVER (PARTITION BY scope, currency) - 1) / count(*) OVER (PARTITION BY scope, currency) AS r,
  (5 * count(*) OVER (PARTITION BY scope, currency ORDER BY freq RANGE UNBOUNDED PRECEDING)
     + count(*) OVER (PARTITION BY scope, currency) - 1) / count(*) OVER (PARTITION BY scope, currency) AS f,
  (5 * count(*) OVER (PARTITION BY scope, currency ORDER BY money RANGE UNBOUNDED PRECEDING)
     + count(*) OVER (PARTITION BY scope, currency) - 1) / count(*) OVER (PARTITION BY scope, currency) AS m
FROM per
"""


def _window():
    from datetime import datetime, timedelta
    from datetime import time as dtime

    from django.utils import timezone

    day = timezone.localdate()
    until = timezone.make_aware(datetime.combine(day + timedelta(days=1), dtime.min))
    return day, until, until - timedelta(days=365)


def rfm_run(sample: int) -> dict:
    from django.conf import settings
    from django.db import connection

    from skypark.analytics import selectors
    from skypark.analytics.engines import get_engine
    from skypark.analytics.rfm import rfm_snapshot_create
    from skypark.analytics.segments import score, segment_of

    day, until, since = _window()
    started = time.perf_counter()
    rows = rfm_snapshot_create(day=day)
    store_seconds = time.perf_counter() - started
    get_engine().compact(at=2)  # as the daily task does after the snapshot

    params = {"tz": settings.TIME_ZONE, "until": until, "since": since, "day": day}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({PG_RFM}) AS x", params)
        (pg_rows,) = cursor.fetchone()
    pg_seconds = time.perf_counter() - started

    # Python recomputation for a sample of network-wide customers, from PostgreSQL's rows.
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT currency, customer_id, %(day)s::date - max((occurred_at AT TIME ZONE %(tz)s)::date), count(*),
                      sum(amount - discount - refunded_amount)
               FROM loyalty_postransaction
               WHERE status != 'voided' AND occurred_at < %(until)s AND occurred_at >= %(since)s
                 AND amount - discount - refunded_amount > 0
               GROUP BY currency, customer_id""",
            params,
        )
        per = cursor.fetchall()
    expected = {}
    for currency in {p[0] for p in per}:
        rows_c = [p for p in per if p[0] == currency]
        total = len(rows_c)
        recs = sorted(p[2] for p in rows_c)
        freqs = sorted(p[3] for p in rows_c)
        moneys = sorted(p[4] for p in rows_c)
        import bisect

        for _c, user, rec, freq, money in rows_c:
            r = score(total - bisect.bisect_left(recs, rec), total)
            f = score(bisect.bisect_right(freqs, freq), total)
            m = score(bisect.bisect_right(moneys, money), total)
            expected[(currency, user)] = (rec, freq, money, r, f, m, segment_of(r, f))
    got = {
        (c["currency"], c["user_id"]): (
            c["recency_days"],
            c["frequency_count"],
            c["monetary_value"],
            c["r_score"],
            c["f_score"],
            c["m_score"],
            c["rfm_segment"],
        )
        for c in selectors.rfm_customers(scope=0, day=day)
    }
    keys = sorted(expected)[:: max(1, len(expected) // sample)][:sample]
    mismatches = [k for k in keys if got.get(k) != expected[k]]
    return {
        "rows": rows,
        "store_seconds": round(store_seconds, 3),
        "pg_rows": pg_rows,
        "pg_seconds": round(pg_seconds, 3),
        "sampled": len(keys),
        "mismatches": len(mismatches),
        "first_mismatch": [str(mismatches[0]), str(got.get(mismatches[0])), str(expected[mismatches[0]])]
        if mismatches
        else None,
    }


def matrix_seed(events: int, merchants: list) -> dict:
    from decimal import Decimal

    from django.utils import timezone

    from skypark.analytics.engines import get_engine
    from skypark.analytics.matrix import matrix_aggregate_range

    now = timezone.now()
    rows = [
        {
            "source_merchant_id": merchants[i % len(merchants)],
            "target_merchant_id": merchants[(i * 7 + 1) % len(merchants)],
            "occurred_at": now - timezone.timedelta(minutes=(i * 11) % (72 * 60)),
            "event_id": f"{'conversion' if i % 4 == 0 else 'trigger'}:{i}",
            "kind": "conversion" if i % 4 == 0 else "trigger",
            "user_id": i,
            "currency": "KGS",
            "revenue": Decimal(i % 900) if i % 4 == 0 else Decimal("0"),
            "version": 1,
            "is_deleted": 0,
        }
        for i in range(events)
    ]
    engine = get_engine()
    engine.insert("cross_promo_facts", rows)
    started = time.perf_counter()
    written = matrix_aggregate_range(since=now - timezone.timedelta(hours=73), until=now + timezone.timedelta(hours=1))
    engine.compact(at=2)  # as the hourly task does after aggregating
    return {"events": events, "matrix_rows": written, "aggregate_seconds": round(time.perf_counter() - started, 3)}


def pg_queries(merchant: int, repeat: int = 5) -> dict:
    """The partner's two figures computed in PostgreSQL from the transactions: segment sizes
    (the merchant's RFM, grouped) and the merchant's revenue per day (the closest thing to
    the matrix that PostgreSQL holds), milliseconds (median of ``repeat``)."""
    from django.conf import settings
    from django.db import connection

    day, until, since = _window()
    params = {"tz": settings.TIME_ZONE, "until": until, "since": since, "day": day, "merchant": merchant}
    timings = {"segments_ms": [], "matrix_ms": []}
    for _ in range(repeat):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT currency, r, f, count(*) FROM ({PG_RFM}) AS x WHERE scope = %(merchant)s GROUP BY 1, 2, 3",
                params,
            )
            cursor.fetchall()
        timings["segments_ms"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (occurred_at AT TIME ZONE %(tz)s)::date, currency, count(*), sum(amount) "
                "FROM loyalty_postransaction WHERE merchant_id = %(merchant)s AND occurred_at >= now() - interval '3 days' "
                "GROUP BY 1, 2",
                params,
            )
            cursor.fetchall()
        timings["matrix_ms"].append((time.perf_counter() - started) * 1000)
    return {k: round(sorted(v)[len(v) // 2], 2) for k, v in timings.items()}


def resync() -> dict:
    from skypark.analytics.engines import get_engine
    from skypark.analytics.models import SyncState

    before = _figures(get_engine())
    SyncState.objects.filter(source="loyalty.pos_transactions").update(watermark_at=None, watermark_pk=0)
    again = sync_run()
    return {"before": [{**f, "total": str(f["total"])} for f in before], "after": again["figures"]}


def run(ctx):
    os.environ["ANALYTICS_STORE_DIR"] = STORE  # the gunicorn and step processes inherit it
    env = {"ANALYTICS_STORE_DIR": STORE}

    def step(func, **params):
        return django_step(ctx.db, ctx.scenario, func, env=env, **params)

    import shutil

    shutil.rmtree(STORE, ignore_errors=True)
    full = (
        (200_000, 5_000_000, 500_000)
        if os.environ.get("BENCH_ANALYTICS_SCALE") == "issue"
        else (20_000, 500_000, 50_000)
    )
    customers, transactions, facts = ctx.size(full, (2_000, 20_000, 5_000))
    seeded = step("seed", customers=customers, transactions=transactions)
    synced = step("sync_run")
    ctx.emit({"type": "sync", **{k: v for k, v in synced.items() if k != "figures"}})
    source = step("source_figures")
    rfm = step("rfm_run", sample=500)
    ctx.emit({"type": "rfm", **rfm})
    matrix = step("matrix_seed", events=facts, merchants=seeded["merchants"])
    ctx.emit({"type": "matrix", **matrix})
    pg = step("pg_queries", merchant=seeded["merchant"])
    key = seeded["key"]
    rows = []
    with Server(ctx.db, ctx.scenario, env=env) as server:
        for label, path in (("segments", "analytics/segments/"), ("matrix", "analytics/matrix/")):
            result = run_load(
                server.port,
                8,
                lambda _c, _i, path=path: loyaltykit.partner_request("GET", path, key),
                requests=ctx.size(400, 80),
                seconds=ctx.size(60, 15),
                meter=CpuMeter(server, ctx.db),
                label=label,
            )
            row = {"type": "run", **result.row()}
            ctx.emit(row)
            rows.append(row)
    again = step("resync")
    counters = {
        "failed_requests": floor.failed(rows),
        "facts_mismatch": int(synced["figures"] != source),
        "rfm_mismatch": rfm["mismatches"],
        "resync_changed": int(again["before"] != again["after"]),
    }
    worst_p99 = max(r["p99_ms"] or 0 for r in rows)
    return build_summary(
        ctx.scenario,
        rows[0],
        counters=counters,
        runs=rows,
        extra={
            "scale": {"customers": customers, "transactions": seeded["rows"], "partners": PARTNERS},
            "sync": {k: v for k, v in synced.items() if k != "figures"},
            "rfm": rfm,
            "matrix": matrix,
            "postgresql": pg,
            "vs_postgresql": {
                "rfm_seconds": ratio(rfm["store_seconds"], rfm["pg_seconds"]),
                "segments_p50_ms": ratio(rows[0]["p50_ms"], pg["segments_ms"]),
                "matrix_p50_ms": ratio(rows[1]["p50_ms"], pg["matrix_ms"]),
            },
            "targets": {
                "sync_rows_s>=100000": (synced["rows_s"] or 0) >= TARGETS["sync_rows_s>="],
                "rfm_seconds<=10": rfm["store_seconds"] <= TARGETS["rfm_seconds<="],
                "api_p99_ms<=200": worst_p99 <= TARGETS["api_p99_ms<="],
            },
        },
    )
