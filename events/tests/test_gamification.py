import datetime
import zoneinfo

import pytest
from django.utils import timezone

from events import selectors, services
from events.models import BadgeRule, Event, MemberProfile, PointsEntry, UserBadge, week_key, week_start
from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.notify.models import Notification

from .conftest import check_in_now
from .factories import EventFactory, EventTypeFactory, badge

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
BISHKEK = zoneinfo.ZoneInfo("Asia/Bishkek")


def attend(customer, *, at=None, event_type=None, event=None, points=10):
    if event is None:
        event = EventFactory(event_type=event_type or EventTypeFactory(), points_reward=points, capacity=None)
    else:
        # The event may have been moved to "now" by an earlier check-in: reopen it.
        later = timezone.now() + datetime.timedelta(days=1)
        Event.objects.filter(pk=event.pk).update(starts_at=later, ends_at=later + datetime.timedelta(hours=2))
        event.refresh_from_db()
    registration = services.registration_create(customer=customer, event=event)
    result = check_in_now(registration, now=at)
    assert result.admitted, result.reason
    return registration


# --- streaks ----------------------------------------------------------------------------


def test_week_is_the_iso_week_in_bishkek_not_utc():
    sunday_late = datetime.datetime(2026, 11, 22, 17, 30, tzinfo=UTC)  # Sunday 23:30 in Bishkek
    assert sunday_late.astimezone(BISHKEK).strftime("%a %H:%M") == "Sun 23:30"
    assert week_start(sunday_late) == datetime.date(2026, 11, 16)
    monday_early = datetime.datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # Monday 01:00 in Bishkek, Sunday in UTC
    assert monday_early.weekday() == 6
    assert week_start(monday_early) == datetime.date(2026, 11, 23)
    assert week_key(sunday_late) == "2026-W47" and week_key(monday_early) == "2026-W48"


def test_iso_week_across_the_year_end():
    # 2026 has 53 ISO weeks: 2 January 2027 is still 2026-W53.
    assert week_key(datetime.date(2027, 1, 2)) == "2026-W53"
    assert week_key(datetime.date(2027, 1, 4)) == "2027-W01"
    weeks = [datetime.date(2026, 12, 21), datetime.date(2026, 12, 28), datetime.date(2027, 1, 4)]
    assert services.streak_runs(weeks) == (3, 3, datetime.date(2027, 1, 4))


def test_streak_runs_reset_on_a_missed_week():
    monday = datetime.date(2026, 10, 5)
    weeks = [monday, monday + datetime.timedelta(days=7), monday + datetime.timedelta(days=21)]
    assert services.streak_runs(weeks) == (1, 2, monday + datetime.timedelta(days=21))
    assert services.streak_runs([]) == (0, 0, None)


def test_check_ins_build_a_streak_across_the_year_end_and_time_zone_edge(customer):
    times = [
        datetime.datetime(2026, 12, 22, 12, 0, tzinfo=UTC),  # W52
        datetime.datetime(2027, 1, 3, 17, 30, tzinfo=UTC),  # Sunday 23:30 Bishkek: still 2026-W53
        datetime.datetime(2027, 1, 3, 18, 30, tzinfo=UTC),  # Monday 00:30 Bishkek: 2027-W01
    ]
    streaks = []
    for at in times:
        attend(customer, at=at)
        streaks.append(MemberProfile.objects.get(customer=customer).current_streak)
    assert streaks == [1, 2, 3]
    bonuses = PointsEntry.objects.filter(customer=customer, kind="streak").order_by("created_at")
    assert list(bonuses.values_list("points", flat=True)) == [5, 10]


def test_two_check_ins_in_one_week_count_once(customer):
    monday = datetime.datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
    attend(customer, at=monday)
    attend(customer, at=monday + datetime.timedelta(days=3))
    profile = MemberProfile.objects.get(customer=customer)
    assert profile.current_streak == 1
    assert not PointsEntry.objects.filter(kind="streak").exists()


def test_missed_week_resets_the_streak_by_check_in_and_by_the_job(customer):
    start = datetime.datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
    attend(customer, at=start)
    attend(customer, at=start + datetime.timedelta(weeks=1))
    assert MemberProfile.objects.get(customer=customer).current_streak == 2
    # No event in the third week: the Monday job of the fourth week breaks the streak.
    fourth_week = start + datetime.timedelta(weeks=3)
    assert services.streaks_compute(now=fourth_week) == 1
    assert services.streaks_compute(now=fourth_week) == 0
    profile = MemberProfile.objects.get(customer=customer)
    assert (profile.current_streak, profile.longest_streak) == (0, 2)
    # During the week after an attended week the streak is still alive.
    other = UserFactory()
    attend(other, at=start)
    assert services.streaks_compute(now=start + datetime.timedelta(weeks=1)) == 0
    attend(customer, at=fourth_week)
    assert MemberProfile.objects.get(customer=customer).current_streak == 1


def test_streak_bonus_grows_and_is_capped():
    assert [services.streak_bonus(n) for n in (1, 2, 3, 5, 11, 40)] == [0, 5, 10, 20, 50, 50]


# --- badges -----------------------------------------------------------------------------


def levels_of(customer, item):
    row = UserBadge.objects.filter(customer=customer, badge=item).first()
    return row.level if row else 0


def test_event_explorer_counts_distinct_types_at_each_threshold(customer, django_capture_on_commit_callbacks):
    explorer = badge(BadgeRule.EVENT_EXPLORER, [2, 3, 4, 5, 6])
    trivia, workshop, sport = EventTypeFactory(), EventTypeFactory(), EventTypeFactory()
    attend(customer, event_type=trivia)
    assert levels_of(customer, explorer) == 0
    attend(customer, event_type=trivia)
    assert levels_of(customer, explorer) == 0
    with django_capture_on_commit_callbacks(execute=True):
        attend(customer, event_type=workshop)
    assert levels_of(customer, explorer) == 1
    attend(customer, event_type=sport)
    assert levels_of(customer, explorer) == 2
    assert PointsEntry.objects.filter(customer=customer, kind="badge").count() == 2
    assert Notification.objects.filter(recipient=customer, kind="events.badge_earned", channel="in_app").count() == 1


def test_consistent_attendee_follows_the_streak(customer):
    consistent = badge(BadgeRule.CONSISTENT_ATTENDEE, [2, 3])
    start = datetime.datetime(2026, 9, 7, 10, 0, tzinfo=UTC)
    attend(customer, at=start)
    assert levels_of(customer, consistent) == 0
    attend(customer, at=start + datetime.timedelta(weeks=1))
    assert levels_of(customer, consistent) == 1
    attend(customer, at=start + datetime.timedelta(weeks=2))
    assert levels_of(customer, consistent) == 2


def test_social_butterfly_counts_distinct_members_met():
    social = badge(BadgeRule.SOCIAL_BUTTERFLY, [2, 3])
    a, b, c, d = (UserFactory() for _ in range(4))
    first = EventFactory(capacity=None)
    attend(a, event=first)
    attend(b, event=first)
    assert levels_of(b, social) == 0  # met one member
    attend(c, event=first)
    assert levels_of(c, social) == 1  # met a and b
    second = EventFactory(capacity=None)
    attend(c, event=second)
    attend(a, event=second)  # a met b and c (c twice): still two distinct members
    assert levels_of(a, social) == 1
    attend(d, event=second)
    services.badges_evaluate(customer=c)
    assert levels_of(c, social) == 2  # a, b, d


def test_community_builder_counts_referred_members_who_attended(django_capture_on_commit_callbacks):
    builder = badge(BadgeRule.COMMUNITY_BUILDER, [1, 2])
    referrer = UserFactory()
    friends = [UserFactory() for _ in range(3)]
    for friend in friends:
        services.member_referral_set(customer=friend, referred_by=referrer)
    assert services.badge_measure(BadgeRule.COMMUNITY_BUILDER, referrer.pk) == 0
    with django_capture_on_commit_callbacks(execute=True):
        attend(friends[0])
    assert levels_of(referrer, builder) == 1
    with django_capture_on_commit_callbacks(execute=True):
        attend(friends[1])
    assert levels_of(referrer, builder) == 2


def test_trivia_master_counts_wins_recorded_by_staff(customer):
    master = badge(BadgeRule.TRIVIA_MASTER, [1, 3])
    staff = StaffFactory()
    events = [EventFactory() for _ in range(3)]
    services.trivia_win_record(customer=customer, event=events[0], actor=staff)
    services.trivia_win_record(customer=customer, event=events[0], actor=staff)  # once per event
    assert levels_of(customer, master) == 1
    services.trivia_win_record(customer=customer, event=events[1], actor=staff)
    assert levels_of(customer, master) == 1
    services.trivia_win_record(customer=customer, event=events[2], actor=staff)
    assert levels_of(customer, master) == 2
    # Reaching level 2 paid levels 1 and 2 once each (10 + 20).
    assert MemberProfile.objects.get(customer=customer).points_total == 30


def test_badge_evaluation_is_idempotent_and_never_goes_down(customer):
    master = badge(BadgeRule.TRIVIA_MASTER, [1, 2])
    services.trivia_win_record(customer=customer, event=EventFactory(), actor=None)
    services.badges_evaluate(customer=customer)
    services.badges_evaluate(customer=customer)
    assert PointsEntry.objects.filter(customer=customer, kind="badge").count() == 1
    customer.trivia_wins.all().delete()
    services.badges_evaluate(customer=customer)
    assert levels_of(customer, master) == 1


def test_manual_badge_and_points_awards_are_audited(customer):
    from events.errors import InvalidAward
    from skypark.audit.models import AuditEntry

    staff = StaffFactory()
    special = badge(BadgeRule.MANUAL, [1, 1, 1])
    services.badge_award_manual(customer=customer, badge=special, level=2, reason="Volunteer of the month", actor=staff)
    assert levels_of(customer, special) == 2
    services.points_award_manual(customer=customer, points=25, reason="Helped set up", actor=staff)
    assert MemberProfile.objects.get(customer=customer).points_total == 10 + 20 + 25
    actions = set(AuditEntry.objects.filter(actor_id=staff.pk).values_list("action", flat=True))
    assert {"events.badge.levelled", "events.points.awarded"} <= actions
    with pytest.raises(InvalidAward):
        services.points_award_manual(customer=customer, points=5, reason=" ", actor=staff)


# --- leaderboards -----------------------------------------------------------------------


def test_leaderboard_ties_share_a_rank_and_the_member_sees_their_own_rank():
    staff = StaffFactory()
    members = [UserFactory(name=f"Member{n} Test") for n in range(5)]
    for member, points in zip(members, [50, 30, 30, 10, 10], strict=True):
        services.points_award_manual(customer=member, points=points, reason="test", actor=staff)
    board = selectors.leaderboard(period="week", customer=members[4], limit=3)
    assert [(r.rank, r.points) for r in board.top] == [(1, 50), (2, 30), (2, 30)]
    assert (board.me.rank, board.me.points) == (4, 10)
    assert selectors.leaderboard(period="all", customer=members[2]).me.rank == 2
    assert selectors.leaderboard(period="month", customer=UserFactory()).me is None


def test_leaderboard_per_event_type_counts_attendance_of_that_type_only():
    quiz, sport = EventTypeFactory(), EventTypeFactory()
    a, b = UserFactory(), UserFactory()
    attend(a, event_type=quiz, points=30)
    attend(b, event_type=sport, points=50)
    attend(b, event_type=quiz, points=10)
    board = selectors.leaderboard(period="all", event_type=quiz, customer=b)
    assert [(r.customer_id, r.rank, r.points) for r in board.top] == [(a.pk, 1, 30), (b.pk, 2, 10)]
    overall = selectors.leaderboard(period="all", customer=a)
    assert [r.customer_id for r in overall.top] == [b.pk, a.pk]


def test_leaderboard_reads_a_constant_number_of_queries(django_assert_max_num_queries):
    staff = StaffFactory()
    for n in range(30):
        services.points_award_manual(customer=UserFactory(), points=n + 1, reason="x", actor=staff)
    me = UserFactory()
    services.points_award_manual(customer=me, points=1, reason="x", actor=staff)
    with django_assert_max_num_queries(3):
        board = selectors.leaderboard(period="week", customer=me, limit=10)
    assert len(board.top) == 10 and board.me.rank == 30


def test_leaderboard_refresh_repairs_counters_and_is_idempotent(customer):
    from events.models import LeaderboardEntry

    services.points_award_manual(customer=customer, points=40, reason="x", actor=None)
    LeaderboardEntry.objects.filter(customer=customer, period="week").update(points=999)
    assert services.leaderboards_refresh()["repaired"] == 1
    assert services.leaderboards_refresh()["repaired"] == 0
    assert LeaderboardEntry.objects.get(customer=customer, period="week", event_type_id=0).points == 40


def test_old_week_counters_are_dropped(customer):
    from events.models import LeaderboardEntry

    LeaderboardEntry.objects.create(period="week", period_key="2020-W01", customer=customer, points=5)
    LeaderboardEntry.objects.create(period="month", period_key="2020-01", customer=customer, points=5)
    assert services.leaderboards_refresh()["dropped"] == 2


# --- reminders --------------------------------------------------------------------------


def test_reminders_are_sent_once_even_if_the_job_runs_twice(django_capture_on_commit_callbacks):
    now = timezone.now()
    event = EventFactory(starts_at=now + datetime.timedelta(hours=30))
    people = [services.registration_create(customer=UserFactory(), event=event) for _ in range(2)]
    assert services.reminders_send(now=now) == 0  # not due yet
    day_before = event.starts_at - datetime.timedelta(hours=23)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=day_before) == 2
        assert services.reminders_send(now=day_before) == 0
    two_hours = event.starts_at - datetime.timedelta(hours=1, minutes=50)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=two_hours) == 2
        assert services.reminders_send(now=two_hours) == 0
    reminders = Notification.objects.filter(kind="events.reminder", channel="in_app")
    assert reminders.count() == 4
    assert sorted(set(reminders.values_list("recipient_id", flat=True))) == sorted(p.customer_id for p in people)


def test_dedupe_key_stops_a_second_reminder_even_when_the_event_mark_is_lost():
    now = timezone.now()
    event = EventFactory(starts_at=now + datetime.timedelta(hours=20))
    services.registration_create(customer=UserFactory(), event=event)
    services.reminders_send(now=now)
    Event.objects.filter(pk=event.pk).update(reminders_sent=[])  # a worker killed before marking the event
    services.reminders_send(now=now)
    assert Notification.objects.filter(kind="events.reminder", channel="in_app").count() == 1


def test_late_published_event_gets_only_the_nearest_reminder():
    now = timezone.now()
    event = EventFactory(starts_at=now + datetime.timedelta(hours=1))
    services.registration_create(customer=UserFactory(), event=event)
    assert services.reminders_send(now=now) == 1
    assert services.reminders_send(now=now) == 0
    event.refresh_from_db()
    assert event.reminders_sent == [2, 24]
