"""``expiry``: the ticket-expiry job (the ``parks_tickets_expire`` Celery task, run
in-process) over 1,000,000 tickets of which half qualify, next to the same set-based SQL
UPDATE written by hand, timed on the same table in the same run → ratio.

Order: VACUUM, raw UPDATE, reset, VACUUM, the job, reset, VACUUM, raw UPDATE again; the
ratio is the job against the mean of the two raw runs, so neither side gets the only cold
or the only warm table. Correctness: the job expires exactly the qualifying tickets
(``wrong_rows``) and a second run changes nothing (``rerun_changed``).
"""

import time

from bench.harness import build_summary

TARGET_RATIO = 1.5


def _seed(rows: int, today):
    from django.contrib.auth import get_user_model

    from bench.sql import analyze, insert_series
    from skypark.parks.models import Ticket
    from skypark.parks.tests.factories import ParkFactory

    park = ParkFactory(capacity=500)
    owner = get_user_model().objects.create_user("+996555666666", None, name="Ticket owner")
    day = f"DATE '{today.isoformat()}'"
    insert_series(
        Ticket,
        rows,
        {
            "customer": str(owner.pk),
            "park": str(park.pk),
            # Even i: active and past (qualifies). i % 4 = 1: active, today or later. i % 4 = 3: used, past.
            "visit_date": f"CASE WHEN i % 4 = 1 THEN {day} + (i % 30)::int ELSE {day} - (1 + i % 300)::int END",
            "status": "CASE WHEN i % 4 = 3 THEN 'used' ELSE 'active' END",
            "visits_used": "CASE WHEN i % 4 = 3 THEN 1 ELSE 0 END",
            "used_at": "CASE WHEN i % 4 = 3 THEN now() END",
            "qr_code": "''",
            "backup_code": "lpad(upper(to_hex(i)), 8, '0')",
            "price": "790.00",
            "children_data": """'[{"name": "Guest", "age": 5}]'::jsonb""",
            "created_at": "now()",
            "updated_at": "now()",
        },
    )
    analyze(Ticket)
    return park


def _vacuum():
    from django.db import connection

    from skypark.parks.models import Ticket

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Ticket._meta.db_table}")


def _reset():
    from skypark.parks.models import Ticket

    Ticket.objects.filter(status=Ticket.Status.EXPIRED).update(status=Ticket.Status.ACTIVE)
    _vacuum()


def _raw_update(today) -> tuple[float, int]:
    from django.db import connection, transaction

    from skypark.parks.models import Ticket

    sql = (
        f"UPDATE {Ticket._meta.db_table} SET status = 'expired', updated_at = now() "
        "WHERE status = 'active' AND ((ticket_type = 'single' AND visit_date < %s) "
        "OR (ticket_type = 'subscription' AND valid_until < %s))"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [today, today])
        changed = cursor.rowcount
    return (time.perf_counter() - started) * 1000, changed


def measure(rows: int) -> dict:
    from django.utils import timezone

    from skypark.parks import services

    try:
        from skypark.parks.tasks import parks_tickets_expire as job
    except ImportError:
        job = services.tickets_expire

    today = timezone.localdate()
    started = time.perf_counter()
    _seed(rows, today)
    seed_s = time.perf_counter() - started
    expected = sum(1 for i in range(1, rows + 1) if i % 2 == 0)

    _vacuum()
    raw1_ms, raw1_rows = _raw_update(today)
    _reset()
    started = time.perf_counter()
    job_rows = job()
    job_ms = (time.perf_counter() - started) * 1000
    rerun_rows = job()
    _reset()
    raw2_ms, raw2_rows = _raw_update(today)
    raw_ms = (raw1_ms + raw2_ms) / 2
    return {
        "rows": rows,
        "qualifying": expected,
        "seed_seconds": round(seed_s, 1),
        "job_ms": round(job_ms, 1),
        "job_rows": job_rows,
        "raw_update_ms": [round(raw1_ms, 1), round(raw2_ms, 1)],
        "raw_rows": [raw1_rows, raw2_rows],
        "ratio_job_to_raw": round(job_ms / raw_ms, 3) if raw_ms else None,
        "rerun_changed": rerun_rows,
    }


def run(ctx):
    result = ctx.step("measure", rows=ctx.size(1_000_000, 20_000))
    row = {"type": "run", "label": "expiry", **result}
    ctx.emit(row)
    expected = result["qualifying"]
    counters = {
        "wrong_rows": abs(result["job_rows"] - expected) + sum(abs(n - expected) for n in result["raw_rows"]),
        "rerun_changed": result["rerun_changed"] or 0,
    }
    headline = {"requests": result["rows"]}
    return build_summary(
        ctx.scenario,
        headline,
        counters=counters,
        runs=[],
        extra={
            **result,
            "targets": {f"job<={TARGET_RATIO}x_raw": (result["ratio_job_to_raw"] or 1e9) <= TARGET_RATIO},
        },
    )
