"""``leaderboard``: ``GET /api/v1/events/leaderboard/?period=week`` and ``?period=all``
over 100,000 members (5,000 in ``--quick``) with a year of attendance, at 1 and 32
clients; half the requests are from signed-in members (JWT), whose answer also carries
their own rank.

Seeded with set-based SQL the way the events app keeps it: one event type, one event a
week for 52 weeks, an ``attendance`` line in the points ledger (``PointsEntry``, with
its ISO week and month in the platform time zone) for each member on about one week in
four, the members' ``MemberProfile.points_total``, the ``LeaderboardEntry`` counters the
API reads (week, month and all time; overall and per event type), summed from that
ledger, and each board's histogram (``LeaderboardScore``: members per points value),
counted from those counters, that ranks are summed from. Registrations are not seeded:
the leaderboards never read them.

Correctness: ``failed_requests``; ``counters_repaired``, what the events app's own
``leaderboards_refresh`` job finds to repair afterwards (counters that disagree with the
ledger, plus histogram values that disagree with the counters); ``rank_mismatch``, a
signed-in member's rank that differs from one computed directly over the ledger.
"""

import json

from bench.harness import (
    CpuMeter,
    Req,
    Server,
    build_summary,
    latency_at_rate,
    run_load,
    run_paced,
    trace_request,
)
from bench.scenarios import floor, parkkit

# One client shows a request's own latency; 32 (the load) adds the queueing.
CLIENTS = (1, 32)
WEEKS = 52
SIGNED_IN = 16
TARGETS = {"p99_ms<=": 50}
PREFIX = "+99675"


def seed(members: int) -> dict:
    import datetime

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from bench.sql import analyze
    from events.models import Event, LeaderboardEntry, LeaderboardScore, MemberProfile, PointsEntry
    from events.tests.factories import EventFactory, EventTypeFactory

    park = parkkit.park_create(1000)
    users = parkkit.customers_insert(members, PREFIX)
    first_id = users.values_list("pk", flat=True).first()
    event_type = EventTypeFactory(code="bench-meetup")
    now = timezone.now()
    events = [
        EventFactory(
            event_type=event_type,
            starts_at=now - datetime.timedelta(weeks=w, hours=2),
            ends_at=now - datetime.timedelta(weeks=w, hours=1),
            status=Event.Status.PUBLISHED,
        ).pk
        for w in range(WEEKS)
    ]
    tz = settings.TIME_ZONE
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO events_pointsentry
              (customer_id, points, kind, reference, description, event_id, event_type_id, week, month, created_at)
            SELECT u.id, 5 + (u.id * 7 + w * 13) %% 16, 'attendance', 'bench:' || u.id || ':' || w, 'Attendance',
                   (%(events)s::bigint[])[w + 1], %(type)s,
                   to_char(((now() - make_interval(days => 7 * w)) AT TIME ZONE %(tz)s)::date, 'IYYY-"W"IW'),
                   to_char(((now() - make_interval(days => 7 * w)) AT TIME ZONE %(tz)s)::date, 'YYYY-MM'),
                   now() - make_interval(days => 7 * w)
            FROM accounts_user AS u CROSS JOIN generate_series(0, %(weeks)s - 1) AS w
            WHERE u.phone LIKE %(prefix)s AND (u.id * 3 + w) %% 4 = 0
            """,
            {"events": events, "type": event_type.pk, "tz": tz, "weeks": WEEKS, "prefix": PREFIX + "%"},
        )
        entries = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO events_memberprofile
              (created_at, updated_at, customer_id, points_total, current_streak, longest_streak, last_attended_week)
            SELECT now(), now(), customer_id, sum(points), 0, 0,
                   date_trunc('week', max(created_at) AT TIME ZONE %s)::date
            FROM events_pointsentry GROUP BY customer_id
            """,
            [tz],
        )
        for period, key in (("week", "week"), ("month", "month"), ("all", "'all'")):
            for scope in ("0", "event_type_id"):
                cursor.execute(
                    f"""
                    INSERT INTO events_leaderboardentry (period, period_key, event_type_id, customer_id, points)
                    SELECT %s, {key}, {scope}, customer_id, sum(points)
                    FROM events_pointsentry GROUP BY 2, 3, customer_id
                    """,
                    [period],
                )
        cursor.execute(
            """
            INSERT INTO events_leaderboardscore (period, period_key, event_type_id, points, members)
            SELECT period, period_key, event_type_id, points, count(*)
            FROM events_leaderboardentry GROUP BY period, period_key, event_type_id, points
            """
        )
    analyze(PointsEntry, MemberProfile, LeaderboardEntry, LeaderboardScore)
    # Signed-in members spread over the ranks (every n-th member by id).
    step = max(1, members // SIGNED_IN)
    picked = list(users.filter(pk__in=[first_id + n * step for n in range(SIGNED_IN)]))
    return {
        "entries": entries,
        "members": members,
        "members_ranked": MemberProfile.objects.count(),
        "leaderboard_rows": LeaderboardEntry.objects.count(),
        "histogram_rows": LeaderboardScore.objects.count(),
        "tokens": [str(AccessToken.for_user(u)) for u in picked],
        "token_users": [u.pk for u in picked],
        "target": {"path": f"/api/v1/parks/{park['slug']}/", "label": f"GET /api/v1/parks/{park['slug']}/"},
    }


def explain(customer_id: int) -> dict:
    """EXPLAIN ANALYZE of the statements of a signed-in all-time board, built by the
    events app's own selectors: the top rows (what is cached between reads) and the
    member's points with the number of members ahead (summed from the histogram)."""
    from django.db import connection

    from events.models import ALL_TIME_KEY, OVERALL
    from events.selectors import TOP_CACHED, leaderboard_place, leaderboard_rows

    board = {"period": "all", "key": ALL_TIME_KEY, "scope": OVERALL}
    plans = {}
    for name, qs in (
        ("top", leaderboard_rows(**board, limit=TOP_CACHED)),
        ("me", leaderboard_place(**board, customer_id=customer_id)),
    ):
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plans[name] = [row[0] for row in cursor.fetchall()]
    return plans


def check(customer_ids: list[int]) -> dict:
    """The events app's repair job over the seeded counters, and each signed-in member's
    all-time rank computed straight from the ledger."""
    from django.db import connection

    from events.models import LeaderboardEntry
    from events.services import leaderboards_refresh

    ranks = {}
    with connection.cursor() as cursor:
        for customer_id in customer_ids:
            cursor.execute(
                """SELECT 1 + count(*) FROM (
                     SELECT customer_id FROM events_pointsentry GROUP BY customer_id
                     HAVING sum(points) > (SELECT sum(points) FROM events_pointsentry WHERE customer_id = %s)
                   ) AS ahead""",
                [customer_id],
            )
            ranks[customer_id] = cursor.fetchone()[0]
    week_rows = LeaderboardEntry.objects.filter(period="week").count()
    refreshed = leaderboards_refresh()
    return {"ledger_ranks": ranks, "week_rows": week_rows, **refreshed}


def board_request(period: str, token: str | None) -> Req:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Req("GET", f"/api/v1/events/leaderboard/?period={period}", headers=headers)


def run(ctx):
    seeded = ctx.step("seed", members=ctx.size(100_000, 5_000))
    ctx.emit({"type": "seeded", **{k: v for k, v in seeded.items() if k not in ("tokens", "token_users")}})
    tokens, token_users = seeded["tokens"], seeded["token_users"]
    requests = ctx.size({1: 500, 32: 4000}, {1: 100, 32: 400})
    api_ranks = {}

    def on_response(_i, status, body):
        if status == 200:
            me = json.loads(body).get("me")
            if me and me.get("customer_id") in token_users:
                api_ranks.setdefault(me["customer_id"], me["rank"])

    rows = []
    paced = {}
    with Server(ctx.db, ctx.scenario) as server:
        floor_rows = floor.measure(ctx, server, seeded["target"], clients=(max(CLIENTS),))
        traced = trace_request(server, board_request("all", tokens[len(tokens) // 2]))
        ctx.emit({"type": "trace", **traced})
        for period, n in ((period, n) for period in ("week", "all") for n in CLIENTS):
            result = run_load(
                server.port,
                n,
                lambda c, i, period=period: board_request(
                    period, tokens[(c + i) % len(tokens)] if (c + i) % 2 else None
                ),
                requests=requests[n],
                seconds=ctx.size(60, 15),
                warmup=Req("GET", seeded["target"]["path"]),
                on_response=on_response if period == "all" else None,
                meter=CpuMeter(server, ctx.db),
                label=f"leaderboard {period}",
            )
            row = {"type": "run", **result.row()}
            ctx.emit(row)
            rows.append(row)
            if n == max(CLIENTS):
                # Open loop at half the 32-client throughput: the latency a member sees
                # at a normal load rather than at saturation.
                paced[period] = run_paced(
                    ctx,
                    server,
                    row,
                    lambda c, i, period=period: board_request(
                        period, tokens[(c + i) % len(tokens)] if (c + i) % 2 else None
                    ),
                    label=f"leaderboard {period} paced",
                    seconds=ctx.size(10, 3),
                    warmup=Req("GET", seeded["target"]["path"]),
                )
    plans = ctx.step("explain", customer_id=token_users[len(token_users) // 2])
    ctx.emit({"type": "explain", **plans})
    db = ctx.step("check", customer_ids=list(api_ranks))
    ledger_ranks = {int(k): v for k, v in db.pop("ledger_ranks").items()}
    counters = {
        "failed_requests": floor.failed(rows) + floor.failed(floor_rows) + floor.failed(list(paced.values())),
        "counters_repaired": db["repaired"] + db["scores_repaired"],
        "rank_mismatch": sum(1 for cid, rank in api_ranks.items() if ledger_ranks.get(cid) != rank),
    }
    loaded = [r for r in rows if r["concurrency"] == max(CLIENTS)]
    headline = max(loaded, key=lambda r: r["p99_ms"] or 0)
    by_period = {r["label"].split()[-1]: r for r in loaded}
    alone = {r["label"].split()[-1]: r for r in rows if r["concurrency"] == 1}
    return build_summary(
        ctx.scenario,
        headline,
        counters=counters,
        runs=[*rows, *paced.values()],
        extra={
            "members": seeded["members"],
            "points_entries": seeded["entries"],
            "leaderboard_rows": seeded["leaderboard_rows"],
            "histogram_rows": seeded["histogram_rows"],
            "periods": {
                p: {k: r[k] for k in ("req_s", "p50_ms", "p99_ms", "queries_per_request", "cpu_ms_per_request")}
                for p, r in by_period.items()
            },
            "one_client": {p: {k: r[k] for k in ("p50_ms", "p99_ms", "cpu_ms_per_request")} for p, r in alone.items()},
            "database": db,
            "floor": floor_rows[-1],
            "vs_floor": {p: floor.vs_floor(r, floor_rows[-1]) for p, r in by_period.items()},
            "targets": {f"{p}_p99_ms<=50": (r["p99_ms"] or 1e9) <= TARGETS["p99_ms<="] for p, r in by_period.items()},
            "at_half_capacity": {p: latency_at_rate(r, TARGETS["p99_ms<="]) for p, r in paced.items()},
        },
    )
