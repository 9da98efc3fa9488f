"""Leaderboard ranks from the per-board histogram (``LeaderboardScore``): equal to ranks
computed over the ledger, kept right by awards and reversals, folded, checked and
repaired by the refresh job, built by the migration, and read in a fixed number of
queries."""

import importlib

import pytest
from django.apps import apps
from django.db.models import Count, Sum

from events import selectors, services
from events.models import (
    ALL_TIME_KEY,
    OVERALL,
    EventType,
    LeaderboardEntry,
    LeaderboardScore,
    PointsEntry,
    month_key,
    week_key,
)
from skypark.accounts.tests.factories import StaffFactory, UserFactory

from .factories import EventTypeFactory
from .test_gamification import attend

pytestmark = pytest.mark.django_db


def ledger_points(period, scope):
    """Every member's points on a board, summed straight from the ledger."""
    from django.utils import timezone

    now = timezone.now()
    ledger = PointsEntry.objects.all()
    if period == "week":
        ledger = ledger.filter(week=week_key(now))
    elif period == "month":
        ledger = ledger.filter(month=month_key(now))
    if scope != OVERALL:
        ledger = ledger.filter(event_type_id=scope)
    return dict(ledger.order_by().values_list("customer_id").annotate(total=Sum("points")))


def ledger_rank(points_by_member, customer_id):
    """Standard competition ranking: 1 + the number of members with more points."""
    mine = points_by_member[customer_id]
    return 1 + sum(1 for points in points_by_member.values() if points > mine)


def histogram():
    """Non-empty values of every board: {(period, key, scope, points): members}."""
    rows = (
        LeaderboardScore.objects.order_by()
        .values_list("period", "period_key", "event_type_id", "points")
        .annotate(n=Sum("members"))
    )
    return {row[:4]: row[4] for row in rows if row[4]}


def counted():
    """The same, counted from the members' counters."""
    rows = (
        LeaderboardEntry.objects.order_by()
        .values_list("period", "period_key", "event_type_id", "points")
        .annotate(n=Count("pk"))
    )
    return {row[:4]: row[4] for row in rows}


def assert_ranks_match_ledger(members, scopes):
    for period in ("week", "month", "all"):
        for scope in scopes:
            expected = ledger_points(period, scope)
            event_type = None if scope == OVERALL else EventType.objects.get(pk=scope)
            for member in members:
                board = selectors.leaderboard(period=period, event_type=event_type, customer=member, limit=100)
                if expected.get(member.pk, 0) <= 0:
                    assert board.me is None, (period, scope, member.pk)
                    continue
                assert (board.me.rank, board.me.points) == (
                    ledger_rank(expected, member.pk),
                    expected[member.pk],
                ), (period, scope, member.pk)
            ranked = sorted((p for p in expected.values() if p > 0), reverse=True)
            assert [row.rank for row in board.top] == [1 + ranked.index(p) for p in ranked]


@pytest.fixture
def members():
    """Twelve members with ties, a reversal to zero, a negative balance, and attendance
    of two event types; the histograms hold several rows per value (not yet folded)."""
    staff = StaffFactory()
    quiz, sport = EventTypeFactory(), EventTypeFactory()
    people = [UserFactory(name=f"Member{n} Test") for n in range(12)]
    for member, points in zip(people, [50, 30, 30, 10, 10, 10, 25, 5, 40, 40, 15, 20], strict=True):
        services.points_award_manual(customer=member, points=points, reason="test", actor=staff)
    services.points_award_manual(customer=people[7], points=-5, reason="reversal", actor=staff)
    services.points_award_manual(customer=people[11], points=-30, reason="reversal", actor=staff)
    services.points_award_manual(customer=people[0], points=-20, reason="correction", actor=staff)
    attend(people[3], event_type=quiz, points=20)
    attend(people[4], event_type=quiz, points=20)
    attend(people[5], event_type=sport, points=20)
    attend(people[1], event_type=quiz, points=5)
    return people, [OVERALL, quiz.pk, sport.pk]


def test_ranks_from_the_histogram_equal_ranks_over_the_ledger_ties_included(members):
    people, scopes = members
    assert histogram() == counted()
    assert LeaderboardScore.objects.count() > len(histogram())  # unfolded rows sum up
    assert_ranks_match_ledger(people, scopes)
    # 50 - 20 and three times 10 + 20 join a 30: five share rank 4 after 40, 40 and 30 + 5.
    board = selectors.leaderboard(period="all", customer=people[0], limit=6)
    assert [(r.rank, r.points) for r in board.top] == [(1, 40), (1, 40), (3, 35), (4, 30), (4, 30), (4, 30)]
    assert board.me.rank == 4


def test_fold_leaves_one_row_per_value_drops_empty_values_and_keeps_the_ranks(members):
    people, scopes = members
    before = histogram()
    removed = services.leaderboard_scores_fold()
    assert removed > 0
    assert services.leaderboard_scores_fold() == 0
    assert histogram() == before == counted()
    rows = LeaderboardScore.objects.order_by().values_list("period", "period_key", "event_type_id", "points")
    assert rows.count() == rows.distinct().count() == len(before)
    assert not LeaderboardScore.objects.filter(members=0).exists()
    assert_ranks_match_ledger(people, scopes)


def test_refresh_repairs_a_damaged_histogram_and_then_finds_nothing(members):
    people, scopes = members
    all_time = LeaderboardScore.objects.filter(period="all", period_key=ALL_TIME_KEY, event_type_id=OVERALL)
    all_time.filter(points=40).delete()  # a lost value
    all_time.filter(points=10).update(members=7)  # a wrong count
    LeaderboardScore.objects.create(period="week", period_key=week_key_now(), points=99, members=3)  # a stray
    LeaderboardEntry.objects.filter(customer=people[6]).delete()  # counters gone behind its back
    assert histogram() != counted()

    first = services.leaderboards_refresh()
    assert first["repaired"] == 3  # people[6]'s counters of the 3 periods, rebuilt from the ledger
    assert first["scores_repaired"] >= 3
    assert histogram() == counted()
    assert LeaderboardScore.objects.filter(members=0).count() == 0
    assert_ranks_match_ledger(people, scopes)

    again = services.leaderboards_refresh()
    assert (again["repaired"], again["scores_repaired"], again["folded"]) == (0, 0, 0)


def test_refresh_corrects_the_histogram_of_a_member_deleted_with_their_counters(members):
    people, scopes = members
    people[8].delete()  # 40 points: the counters go by cascade, the histogram does not
    assert histogram() != counted()
    assert services.leaderboards_refresh()["scores_repaired"] == 3  # the value 40 of each period
    assert histogram() == counted()
    assert_ranks_match_ledger([p for p in people if p.pk != people[8].pk], scopes)


def test_refresh_that_rewrites_a_counter_moves_the_member_in_the_histogram(customer):
    services.points_award_manual(customer=customer, points=40, reason="x", actor=None)
    LeaderboardEntry.objects.filter(customer=customer, period="week").update(points=999)
    result = services.leaderboards_refresh()
    assert result["repaired"] == 1
    assert histogram() == counted()
    assert services.leaderboards_refresh()["scores_repaired"] == 0


def test_migration_builds_the_histogram_from_the_counters(members):
    people, scopes = members
    expected = counted()
    LeaderboardScore.objects.all().delete()
    migration = importlib.import_module("events.migrations.0003_leaderboard_score")
    migration.build(apps, None)
    assert histogram() == expected
    assert LeaderboardScore.objects.count() == len(expected)
    assert_ranks_match_ledger(people, scopes)


def test_signed_in_board_reads_two_queries_cold_and_one_while_the_top_is_cached(django_assert_num_queries):
    staff = StaffFactory()
    for n in range(30):
        services.points_award_manual(customer=UserFactory(), points=n + 1, reason="x", actor=staff)
    me = UserFactory()
    services.points_award_manual(customer=me, points=1, reason="x", actor=staff)
    services.leaderboard_scores_fold()
    with django_assert_num_queries(2):
        cold = selectors.leaderboard(period="all", customer=me, limit=10)
    with django_assert_num_queries(1):
        warm = selectors.leaderboard(period="all", customer=me, limit=10)
    assert cold == warm
    assert [r.points for r in warm.top] == list(range(30, 20, -1))
    assert (warm.me.rank, warm.me.points) == (30, 1)
    with django_assert_num_queries(0):
        selectors.leaderboard(period="all", limit=5)


def test_an_award_forgets_the_cached_top_and_the_own_place_is_never_cached():
    staff = StaffFactory()
    first, second = UserFactory(name="First Member"), UserFactory(name="Second Member")
    services.points_award_manual(customer=first, points=20, reason="x", actor=staff)
    services.points_award_manual(customer=second, points=10, reason="x", actor=staff)
    assert [r.customer_id for r in selectors.leaderboard(period="week").top] == [first.pk, second.pk]
    services.points_award_manual(customer=second, points=15, reason="x", actor=staff)
    board = selectors.leaderboard(period="week", customer=second)
    assert [(r.customer_id, r.points) for r in board.top] == [(second.pk, 25), (first.pk, 20)]
    assert (board.me.rank, board.me.points) == (1, 25)


def test_an_award_rolled_back_leaves_no_histogram_row(customer):
    from django.db import transaction

    before = LeaderboardScore.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.points_award_manual(customer=customer, points=10, reason="x", actor=None)
        raise RuntimeError
    assert LeaderboardScore.objects.count() == before


def week_key_now():
    from django.utils import timezone

    return week_key(timezone.now())
