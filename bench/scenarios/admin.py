"""``admin``: the back-office changelists staff open all day, at scale.

Seeds 1,000,000 customers (users), 200,000 children and 1,000,000 orders with
``INSERT … SELECT generate_series``, logs in through the admin login form as a superuser
(a real session cookie), and requests each changelist page one client at a time:
median ms and queries per page. Queries per page must not grow with the row count, and a
page must not COUNT(*) a huge table: the SQL of one traced request per page is recorded,
and every COUNT query on it is listed with its duration under ``count_queries``.

Tickets and loyalty transactions join this scenario when their admins exist.
"""

import time

from bench.harness import BenchError, CpuMeter, Req, Server, admin_session, build_summary, run_load, trace_request
from bench.scenarios import floor

ADMIN_PHONE = "+996555999999"
ADMIN_PASSWORD = "bench-admin-Pa55"
PAGES = (
    ("orders", "/admin/commerce/order/"),
    ("orders, filtered paid", "/admin/commerce/order/?status__exact=paid"),
    ("orders, page 200", "/admin/commerce/order/?p=200"),
    ("customers", "/admin/accounts/user/"),
)
TARGET_MEDIAN_MS = 300


def seed(customers: int, orders: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db.models import Min

    from bench.sql import analyze, insert_series
    from skypark.accounts.models import Child
    from skypark.commerce.models import Order

    user_model = get_user_model()
    target = floor.seed_target()
    user_model.objects.create_superuser(ADMIN_PHONE, ADMIN_PASSWORD, name="Bench admin")
    timings = {}

    started = time.perf_counter()
    insert_series(
        user_model,
        customers,
        {
            "password": "'!'",
            "phone": "'+99670' || lpad(i::text, 7, '0')",
            "customer_code": "'B' || lpad(i::text, 10, '0')",
            "name": "'Customer ' || i",
            "email": "CASE WHEN i % 4 = 0 THEN 'c' || i || '@example.kg' END",
            "language": "(ARRAY['ru', 'ky', 'en'])[1 + i % 3]",
            "date_joined": "now() - make_interval(secs => i * 20)",
            "updated_at": "now()",
        },
    )
    timings["customers_s"] = round(time.perf_counter() - started, 1)
    # One INSERT with no other writer: the ids are one contiguous run from its minimum.
    low = user_model.objects.filter(phone__startswith="+99670").aggregate(low=Min("pk"))["low"]

    started = time.perf_counter()
    insert_series(
        Child,
        customers // 5,
        {
            "parent": f"{low} + (i * 5) % {customers}",
            "name": "'Child ' || i",
            "birth_date": "current_date - (365 + i % 3000)::int",
            "gender": "(ARRAY['male', 'female'])[1 + i % 2]",
            "created_at": "now()",
            "updated_at": "now()",
        },
    )
    timings["children_s"] = round(time.perf_counter() - started, 1)

    created = "now() - make_interval(secs => i * 30)"
    started = time.perf_counter()
    insert_series(
        Order,
        orders,
        {
            "reference": "'SB' || lpad(i::text, 10, '0')",
            "customer": f"{low} + i % {customers}",
            # 6 paid, 1 expired, 1 cancelled, 1 refunded, 1 pending in every 10.
            "status": "(ARRAY['paid','paid','paid','paid','paid','paid','expired','cancelled',"
            "'refunded','pending_payment'])[1 + i % 10]",
            "subtotal": "(590 + (i % 5) * 200)::numeric(12, 2)",
            "total": "(590 + (i % 5) * 200)::numeric(12, 2)",
            "refunded_total": "CASE WHEN i % 10 = 8 THEN (590 + (i % 5) * 200)::numeric(12, 2) ELSE 0 END",
            "expires_at": f"{created} + interval '20 minutes'",
            "paid_at": f"CASE WHEN i % 10 < 6 OR i % 10 = 8 THEN {created} + interval '3 minutes' END",
            "cancelled_at": f"CASE WHEN i % 10 = 7 THEN {created} + interval '5 minutes' END",
            "created_at": created,
            "updated_at": created,
        },
    )
    timings["orders_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    analyze(user_model, Child, Order)
    timings["analyze_s"] = round(time.perf_counter() - started, 1)
    return {
        "target": target,
        "rows": {
            "customers": user_model.objects.count(),
            "children": Child.objects.count(),
            "orders": Order.objects.count(),
        },
        "seed_seconds": timings,
    }


def _trace(server, cookie, path) -> dict:
    traced = trace_request(server, Req("GET", path, headers={"Cookie": cookie}))
    if traced["status"] != 200:
        raise BenchError(f"GET {path} answered {traced['status']}")
    queries = traced["sql"]
    return {
        "queries": traced["queries"],
        "count_queries": [q for q in queries if "COUNT(" in q["sql"].upper()],
        "slowest_queries": sorted(queries, key=lambda q: q["ms"], reverse=True)[:3],
    }


def run(ctx):
    customers = ctx.size(1_000_000, 20_000)
    orders = ctx.size(1_000_000, 20_000)
    seeded = ctx.step("seed", customers=customers, orders=orders)
    ctx.emit({"type": "seeded", **seeded})
    requests = ctx.size(20, 8)
    rows, pages = [], {}
    with Server(ctx.db, ctx.scenario) as server:
        floor_rows = floor.measure(ctx, server, seeded["target"], clients=(32,))
        cookie = admin_session(server.port, ADMIN_PHONE, ADMIN_PASSWORD)
        for name, path in PAGES:
            traced = _trace(server, cookie, path)
            req = Req("GET", path, headers={"Cookie": cookie})
            result = run_load(
                server.port,
                1,
                lambda _c, _i, req=req: req,
                requests=requests,
                seconds=60,
                warmup=req,
                meter=CpuMeter(server, ctx.db),
            )
            row = {"type": "run", **result.row(), "label": f"admin {name}", "page": path, **traced}
            ctx.emit(row)
            rows.append(row)
            pages[name] = {
                "median_ms": row["p50_ms"],
                "p95_ms": row["p95_ms"],
                "queries": row["queries_per_request"],
                "count_queries": traced["count_queries"],
            }
    worst = max(rows, key=lambda r: r["p50_ms"] or 0)
    failed = floor.failed(rows) + floor.failed(floor_rows)
    return build_summary(
        ctx.scenario,
        worst,
        counters={"failed_requests": failed},
        runs=rows,
        extra={
            "rows": seeded["rows"],
            "seed_seconds": seeded["seed_seconds"],
            "pages": pages,
            "targets": {
                f"median_ms_per_page<={TARGET_MEDIAN_MS}": all(
                    p["median_ms"] <= TARGET_MEDIAN_MS for p in pages.values()
                )
            },
            "floor": {"target": seeded["target"]["label"], **floor_rows[-1]},
            "vs_floor": {"worst_page_p50": floor.vs_floor(worst, floor_rows[-1])["p50_ms"]},
        },
    )
