"""Points, streaks and badges."""

import datetime
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.audit.services import audit_log
from skypark.config.selectors import get_int
from skypark.core import loyalty

from .. import selectors
from ..errors import (
    InvalidAward,
)
from ..models import (
    ALL_TIME_KEY,
    OVERALL,
    Activity,
    Badge,
    BadgeRule,
    Event,
    LeaderboardEntry,
    LeaderboardPeriod,
    LeaderboardScore,
    MemberProfile,
    PointsEntry,
    PointsKind,
    Registration,
    TriviaWin,
    UserBadge,
    month_key,
    week_key,
    week_start,
)
from ._common import (
    Status,
    _notify,
    _site_url,
)

# --- points -----------------------------------------------------------------------------


def _profile_locked(customer) -> MemberProfile:
    """The member's profile row, created if missing, locked until the transaction ends.
    ``customer`` is a user or a user id."""
    customer_id = getattr(customer, "pk", customer)
    MemberProfile.objects.get_or_create(customer_id=customer_id)
    return MemberProfile.objects.select_for_update().get(customer_id=customer_id)


def _tops_forget(boards):
    keys = [selectors.leaderboard_top_cache_key(*board) for board in boards]
    cache.delete_many(keys)
    # Again after commit: a reader between the first delete and the commit cached the
    # old top.
    transaction.on_commit(lambda: cache.delete_many(keys))


def _scores_move(moves):
    """Moves members between the points values of their boards' histograms: ``moves``
    are ``((period, key, scope), old points or None, new points or None)``. Inserts
    rows only (-1 at the old value, +1 at the new), never updates one, so concurrent
    awards on one board neither wait for each other nor deadlock; see
    ``LeaderboardScore``."""
    rows = []
    for (period, key, scope), old, new in moves:
        if old == new:
            continue
        for points, members in ((old, -1), (new, 1)):
            if points is not None:
                rows.append(
                    LeaderboardScore(period=period, period_key=key, event_type_id=scope, points=points, members=members)
                )
    if rows:
        LeaderboardScore.objects.bulk_create(rows)


def _counters_add(*, customer_id, boards, points):
    """Adds ``points`` to the member's counters on ``boards`` ((period, key, scope))
    and moves the member in those boards' histograms, in at most four statements. The
    caller holds the member's profile lock, which is what makes reading the old
    counters and writing the new ones safe."""
    which = Q()
    for period, key, scope in boards:
        which |= Q(period=period, period_key=key, event_type_id=scope)
    current = {
        (entry.period, entry.period_key, entry.event_type_id): entry
        for entry in LeaderboardEntry.objects.filter(which, customer_id=customer_id)
    }
    changed, created, moves = [], [], []
    for board in boards:
        entry = current.get(board)
        if entry is None:
            period, key, scope = board
            created.append(
                LeaderboardEntry(
                    period=period, period_key=key, event_type_id=scope, customer_id=customer_id, points=points
                )
            )
            moves.append((board, None, points))
        else:
            moves.append((board, entry.points, entry.points + points))
            entry.points += points
            changed.append(entry)
    if changed:
        LeaderboardEntry.objects.bulk_update(changed, ["points"])
    if created:
        LeaderboardEntry.objects.bulk_create(created)
    _scores_move(moves)
    _tops_forget(boards)


def points_add(
    *, profile: MemberProfile, points: int, kind: str, reference: str, description="", event=None, actor=None, now=None
) -> PointsEntry | None:
    """Adds one ledger line for the member whose profile row the caller has locked, and
    moves the running total and the leaderboard counters and histograms (week, month,
    all time; overall and, for attendance, the event's type) with it. Returns None when
    ``reference`` was already awarded."""
    if not points or PointsEntry.objects.filter(reference=reference).exists():
        return None
    now = now or timezone.now()
    entry = PointsEntry.objects.create(
        customer_id=profile.customer_id,
        points=points,
        kind=kind,
        reference=reference,
        description=description[:255],
        event=event,
        event_type_id=event.event_type_id if event is not None else None,
        week=week_key(now),
        month=month_key(now),
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    profile.points_total += points
    profile.save(update_fields=["points_total", "updated_at"])
    scopes = [OVERALL] + ([event.event_type_id] if event is not None else [])
    periods = (
        (LeaderboardPeriod.WEEK, entry.week),
        (LeaderboardPeriod.MONTH, entry.month),
        (LeaderboardPeriod.ALL, ALL_TIME_KEY),
    )
    boards = [(period, key, scope) for period, key in periods for scope in scopes]
    _counters_add(customer_id=profile.customer_id, boards=boards, points=points)
    return entry


def streak_runs(weeks) -> tuple[int, int, datetime.date | None]:
    """``(current, longest, last_week)`` for a set of attended week Mondays: ``current``
    is the run of consecutive ISO weeks ending at the latest one (consecutive across
    year ends too, since the Mondays are dates 7 days apart)."""
    ordered = sorted(set(weeks))
    if not ordered:
        return 0, 0, None
    longest = run = 1
    for previous, week in zip(ordered, ordered[1:], strict=False):
        run = run + 1 if week - previous == datetime.timedelta(days=7) else 1
        longest = max(longest, run)
    return run, longest, ordered[-1]


def streak_bonus(length: int) -> int:
    """Bonus for reaching a streak of ``length`` weeks: ``streak_bonus_step`` per week
    beyond the first, capped at ``streak_bonus_max``."""
    if length < 2:
        return 0
    step, cap = get_int("events.streak_bonus_step"), get_int("events.streak_bonus_max")
    return min(step * (length - 1), cap)


def _attended_weeks(customer_id) -> set:
    """The weeks the member was active: attended an event, visited a park or completed a
    course (``activity``)."""
    times = Registration.objects.filter(
        customer_id=customer_id, status=Status.ATTENDED, checked_in_at__isnull=False
    ).values_list("checked_in_at", flat=True)
    elsewhere = Activity.objects.filter(customer_id=customer_id).values_list("occurred_at", flat=True)
    return {week_start(moment) for moment in [*times, *elsewhere]}


def streak_update(*, profile: MemberProfile, now=None) -> int:
    """Recomputes the member's streak from the weeks they attended (profile row locked by
    the caller) and awards the streak bonus of the latest week once. A streak whose last
    week is older than last week is broken, so it counts as 0."""
    now = now or timezone.now()
    current, longest, last = streak_runs(_attended_weeks(profile.customer_id))
    if last is not None and last < week_start(now) - datetime.timedelta(days=7):
        current = 0
    profile.current_streak = current
    profile.longest_streak = max(profile.longest_streak, longest)
    profile.last_attended_week = last
    profile.save(update_fields=["current_streak", "longest_streak", "last_attended_week", "updated_at"])
    if current >= 2 and last is not None:
        points_add(
            profile=profile,
            points=streak_bonus(current),
            kind=PointsKind.STREAK,
            reference=f"streak:{profile.customer_id}:{last.isoformat()}",
            description=ngettext("Weekly streak: %(n)s week", "Weekly streak: %(n)s weeks", current) % {"n": current},
            now=now,
        )
    return current


def attendance_reward(*, registration: Registration, now=None):
    """What attending earns (inside the check-in transaction): the event's points on the
    gamification ledger, the same number of coalition bonus points through the loyalty
    port (idempotent per registration), the streak, and badge levels. The referrer's
    Community Builder badge is evaluated after commit, so two members' profile rows are
    never locked in one transaction."""
    from ..tasks import events_member_badges_evaluate

    now = now or timezone.now()
    event = registration.event
    profile = _profile_locked(registration.customer_id)
    points_add(
        profile=profile,
        points=event.points_reward,
        kind=PointsKind.ATTENDANCE,
        reference=f"attendance:{registration.pk}",
        description=event.title,
        event=event,
        now=now,
    )
    if event.points_reward:
        loyalty.get_provider().points_award(
            customer=registration.customer,
            points=event.points_reward,
            source="event",
            reference=f"registration:{registration.pk}",
            description=event.title,
        )
    streak_update(profile=profile, now=now)
    badges_evaluate(customer=registration.customer, profile=profile, now=now)
    if profile.referred_by_id:
        events_member_badges_evaluate.delay_on_commit(profile.referred_by_id)


@transaction.atomic
def points_award_manual(*, customer, points: int, reason: str, actor) -> PointsEntry:
    """Staff award (or, with a negative number, take back) points with a reason; audited.
    Locks the member's profile."""
    if not points or not (reason or "").strip():
        raise InvalidAward()
    profile = _profile_locked(customer)
    entry = points_add(
        profile=profile,
        points=int(points),
        kind=PointsKind.MANUAL,
        reference=f"manual:{uuid.uuid4().hex}",
        description=reason.strip(),
        actor=actor,
    )
    audit_log(actor=actor, action="events.points.awarded", obj=entry, data={"points": points, "reason": reason})
    return entry


# --- badges -----------------------------------------------------------------------------


def badge_measure(rule: str, customer_id: int, profile: MemberProfile | None = None) -> int:
    """The number a badge rule compares with its level requirements."""
    attended = Registration.objects.filter(customer_id=customer_id, status=Status.ATTENDED)
    if rule == BadgeRule.EVENT_EXPLORER:
        return attended.values("event__event_type").distinct().count()
    if rule == BadgeRule.CONSISTENT_ATTENDEE:
        profile = profile or MemberProfile.objects.filter(customer_id=customer_id).first()
        return max(profile.longest_streak, profile.current_streak) if profile else 0
    if rule == BadgeRule.SOCIAL_BUTTERFLY:
        return (
            Registration.objects.filter(status=Status.ATTENDED, event_id__in=attended.values("event_id"))
            .exclude(customer_id=customer_id)
            .values("customer_id")
            .distinct()
            .count()
        )
    if rule == BadgeRule.COMMUNITY_BUILDER:
        return (
            MemberProfile.objects.filter(referred_by_id=customer_id)
            .filter(customer__event_registrations__status=Status.ATTENDED)
            .values("customer_id")
            .distinct()
            .count()
        )
    if rule == BadgeRule.TRIVIA_MASTER:
        return TriviaWin.objects.filter(customer_id=customer_id).count()
    if rule == BadgeRule.ACTIVE_LIFE:
        return Activity.objects.filter(customer_id=customer_id).count()
    return 0


def _badge_raise(*, profile: MemberProfile, badge: Badge, level: int, now, actor=None, reason="") -> UserBadge | None:
    """Raises the member's badge to ``level`` (profile row locked by the caller): every
    newly reached level's points are awarded once and the member is told once. A badge
    never goes down."""
    user_badge = UserBadge.objects.select_for_update().filter(customer_id=profile.customer_id, badge=badge).first()
    current = user_badge.level if user_badge else 0
    if level <= current:
        return None
    if user_badge is None:
        user_badge = UserBadge(customer_id=profile.customer_id, badge=badge, earned_at=now)
    user_badge.level = level
    user_badge.levelled_at = now
    user_badge.save()
    for badge_level in badge.levels.all():
        if current < badge_level.level <= level:
            points_add(
                profile=profile,
                points=badge_level.points,
                kind=PointsKind.BADGE,
                reference=f"badge:{badge.pk}:{badge_level.level}:{profile.customer_id}",
                description=f"{badge.name} {badge_level.level}",
                actor=actor,
                now=now,
            )
    audit_log(
        actor=actor,
        action="events.badge.levelled",
        obj=user_badge,
        data={"badge": badge.code, "from": current, "to": level, "reason": reason},
    )
    _notify(
        profile.customer,
        "events.badge_earned",
        context={"badge": badge, "level": level, "url": _site_url("events:me")},
        related=user_badge,
        dedupe_key=f"events.badge.{profile.customer_id}.{badge.pk}.{level}",
    )
    return user_badge


def badges_evaluate(*, customer, profile: MemberProfile | None = None, now=None) -> list[UserBadge]:
    """Evaluates every active rule badge for ``customer`` and raises the levels reached.
    Locks the member's profile (unless the caller holds it). Safe to run any number of
    times."""
    now = now or timezone.now()
    with transaction.atomic():
        customer_id = getattr(customer, "pk", customer)
        profile = profile or _profile_locked(customer_id)
        raised = []
        badges = Badge.objects.filter(is_active=True).exclude(badge_type=BadgeRule.MANUAL).prefetch_related("levels")
        measures = {}
        for badge in badges:
            if badge.badge_type not in measures:
                measures[badge.badge_type] = badge_measure(badge.badge_type, customer_id, profile)
            measure = measures[badge.badge_type]
            reached = max((lv.level for lv in badge.levels.all() if measure >= lv.requirement), default=0)
            user_badge = _badge_raise(profile=profile, badge=badge, level=reached, now=now)
            if user_badge is not None:
                raised.append(user_badge)
        return raised


@transaction.atomic
def badge_award_manual(*, customer, badge: Badge, level: int, reason: str, actor) -> UserBadge | None:
    """Staff raise a member's badge to ``level`` with a reason (audited), earning the
    levels' points like a rule would. Locks the member's profile, then the badge row."""
    if not (reason or "").strip() or not badge.levels.filter(level=level).exists():
        raise InvalidAward()
    profile = _profile_locked(customer)
    return _badge_raise(profile=profile, badge=badge, level=level, now=timezone.now(), actor=actor, reason=reason)


@transaction.atomic
def trivia_win_record(*, customer, event: Event, actor) -> TriviaWin:
    """Staff record that ``customer`` won the trivia at ``event`` (once per event), then
    the Trivia Master badge is evaluated."""
    win, created = TriviaWin.objects.get_or_create(customer=customer, event=event, defaults={"recorded_by": actor})
    if created:
        audit_log(actor=actor, action="events.trivia.won", obj=event, data={"customer": customer.pk})
        badges_evaluate(customer=customer)
    return win


@transaction.atomic
def member_referral_set(*, customer, referred_by, actor=None) -> MemberProfile:
    """Records who brought ``customer`` in (once: an existing link is kept)."""
    if referred_by is None or referred_by.pk == customer.pk:
        raise InvalidAward(_("A member cannot refer themselves."))
    profile = _profile_locked(customer)
    if profile.referred_by_id is None:
        profile.referred_by = referred_by
        profile.save(update_fields=["referred_by", "updated_at"])
        audit_log(actor=actor, action="events.member.referred", obj=profile, data={"by": referred_by.pk})
    return profile
