"""Leaderboard counters and histograms: checking, folding, refreshing."""

import datetime

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ..models import (
    ALL_TIME_KEY,
    OVERALL,
    LeaderboardEntry,
    LeaderboardPeriod,
    LeaderboardScore,
    PointsEntry,
    month_key,
    week_key,
)
from .gamification import (
    _profile_locked,
    _scores_move,
    _tops_forget,
)

# The PostgreSQL advisory lock key that ``_scores_check`` runs hold ("evls").
SCORES_CHECK_LOCK = 0x65766C73


def _scores_check(period, key) -> int:
    """Compares the histograms of every board of one period with the counters and adds
    the difference where they disagree (a counter written outside ``points_add``, a
    member deleted with their counters, a lost row). Returns the number of points
    values corrected.

    The comparison is one statement, so both tables are read in one snapshot (two
    reads would see an award committed in between as a difference), and the
    correction is inserted as rows to add, so awards committed after that snapshot
    stay counted. Runs of the check take turns (a PostgreSQL advisory lock; SQLite
    lets one writer in at a time): two at once would add the same correction twice."""
    score, entry = (connection.ops.quote_name(m._meta.db_table) for m in (LeaderboardScore, LeaderboardEntry))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCORES_CHECK_LOCK])
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT event_type_id, points, SUM(n) FROM (
                    SELECT event_type_id, points, members AS n FROM {score}
                    WHERE period = %s AND period_key = %s
                    UNION ALL
                    SELECT event_type_id, points, -COUNT(*) FROM {entry}
                    WHERE period = %s AND period_key = %s GROUP BY event_type_id, points
                ) AS board
                GROUP BY event_type_id, points HAVING SUM(n) <> 0
                """,
                [period, key, period, key],
            )
            wrong = cursor.fetchall()
        LeaderboardScore.objects.bulk_create(
            LeaderboardScore(period=period, period_key=key, event_type_id=scope, points=points, members=-difference)
            for scope, points, difference in wrong
        )
    return len(wrong)


def leaderboard_scores_fold() -> int:
    """Merges the histogram rows of each points value into one and deletes values whose
    rows sum to 0 (an empty value would only lengthen a rank's range), so a board
    stays at about one row per points value however many awards it has seen. Rows are
    locked with SKIP LOCKED: two runs at once fold disjoint rows, and awards, which
    only insert, never wait. Idempotent; returns the number of rows removed."""
    dirty = {}
    groups = (
        LeaderboardScore.objects.order_by()
        .values_list("period", "period_key", "event_type_id", "points")
        .annotate(rows=Count("pk"), total=Sum("members"))
        .filter(Q(rows__gt=1) | Q(total=0))
    )
    for period, key, scope, points, _rows, _total in groups:
        dirty.setdefault((period, key, scope), []).append(points)
    removed = 0
    for (period, key, scope), values in dirty.items():
        with transaction.atomic():
            rows = (
                LeaderboardScore.objects.select_for_update(skip_locked=True)
                .filter(period=period, period_key=key, event_type_id=scope, points__in=values)
                .order_by("pk")
            )
            kept, gone = {}, []
            for row in rows:
                first = kept.setdefault(row.points, row)
                if first is not row:
                    first.members += row.members
                    gone.append(row.pk)
            gone += [row.pk for row in kept.values() if row.members == 0]
            LeaderboardScore.objects.bulk_update([row for row in kept.values() if row.members], ["members"])
            removed += LeaderboardScore.objects.filter(pk__in=gone).delete()[0]
    return removed


def leaderboards_refresh(*, now=None, keep_periods=8) -> dict:
    """Checks the counters of the current week and month and all time against the
    ledger and repairs any member whose counter differs (their profile locked while
    it is rewritten, their histogram rows moved with it), then checks those periods'
    histograms against the counters (``_scores_check``), folds the histograms, and
    drops counters and histograms of weeks and months older than ``keep_periods``.
    Idempotent; normally finds nothing to repair. Returns ``repaired`` (members whose
    counters were rewritten), ``scores_repaired`` (histogram values corrected),
    ``folded`` and ``dropped`` (rows)."""
    now = now or timezone.now()
    repaired = scores_repaired = 0
    periods = [
        (LeaderboardPeriod.WEEK, week_key(now), {"week": week_key(now)}),
        (LeaderboardPeriod.MONTH, month_key(now), {"month": month_key(now)}),
        (LeaderboardPeriod.ALL, ALL_TIME_KEY, {}),
    ]
    for period, key, ledger_filter in periods:
        ledger = PointsEntry.objects.filter(**ledger_filter)
        expected = {}
        for customer_id, type_id, total in ledger.values_list("customer_id", "event_type_id").annotate(s=Sum("points")):
            expected[(customer_id, OVERALL)] = expected.get((customer_id, OVERALL), 0) + total
            if type_id:
                expected[(customer_id, type_id)] = total
        actual = {
            (c, t): p
            for c, t, p in LeaderboardEntry.objects.filter(period=period, period_key=key).values_list(
                "customer_id", "event_type_id", "points"
            )
        }
        wrong = {pair[0] for pair in set(expected) | set(actual) if expected.get(pair, 0) != actual.get(pair, 0)}
        for customer_id in wrong:
            with transaction.atomic():
                _profile_locked(customer_id)
                counters = LeaderboardEntry.objects.filter(period=period, period_key=key, customer_id=customer_id)
                before = dict(counters.values_list("event_type_id", "points"))
                counters.delete()
                sums = (
                    PointsEntry.objects.filter(customer_id=customer_id, **ledger_filter)
                    .values_list("event_type_id")
                    .annotate(s=Sum("points"))
                )
                rows = {}
                for type_id, total in sums:
                    rows[OVERALL] = rows.get(OVERALL, 0) + total
                    if type_id:
                        rows[type_id] = rows.get(type_id, 0) + total
                LeaderboardEntry.objects.bulk_create(
                    LeaderboardEntry(period=period, period_key=key, event_type_id=t, customer_id=customer_id, points=p)
                    for t, p in rows.items()
                )
                boards = [(period, key, t) for t in set(before) | set(rows)]
                _scores_move([(board, before.get(board[2]), rows.get(board[2])) for board in boards])
                _tops_forget(boards)
            repaired += 1
        scores_repaired += _scores_check(period, key)
    folded = leaderboard_scores_fold()
    kept_weeks = {week_key(now - datetime.timedelta(weeks=n)) for n in range(keep_periods)}
    today = timezone.localdate(now)
    kept_months = set()
    for n in range(keep_periods):
        year, month = divmod(today.year * 12 + today.month - 1 - n, 12)
        kept_months.add(f"{year:04d}-{month + 1:02d}")
    dropped = 0
    for model in (LeaderboardEntry, LeaderboardScore):
        for period, kept in ((LeaderboardPeriod.WEEK, kept_weeks), (LeaderboardPeriod.MONTH, kept_months)):
            dropped += model.objects.filter(period=period).exclude(period_key__in=kept).delete()[0]
    return {"repaired": repaired, "scores_repaired": scores_repaired, "folded": folded, "dropped": dropped}
