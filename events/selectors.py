"""Reads of the events domain; each owns its joins."""

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Case, Count, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from skypark.core.translated import any_language, in_active_language

from .models import (
    ALL_TIME_KEY,
    OVERALL,
    Badge,
    Event,
    EventType,
    LeaderboardEntry,
    LeaderboardPeriod,
    LeaderboardScore,
    MemberProfile,
    PointsEntry,
    Registration,
    UserBadge,
    month_key,
    week_key,
)


def event_type_list():
    return EventType.objects.filter(is_active=True).order_by("name")


def event_list(*, date_from=None, date_to=None, type_code="", price="", place="", search="", now=None):
    """Published events that have not ended, soonest first. ``price`` is "free" or
    "paid"; ``place`` and ``search`` match parts of the place and of the title in any
    language; dates are local calendar days."""
    events = Event.objects.upcoming(now).select_related("event_type", "organiser")
    if date_from:
        events = events.filter(starts_at__date__gte=date_from)
    if date_to:
        events = events.filter(starts_at__date__lte=date_to)
    if type_code:
        events = events.filter(event_type__code=type_code)
    if price == "free":
        events = events.filter(price=0)
    elif price == "paid":
        events = events.filter(price__gt=0)
    if place:
        events = events.filter(any_language("location", "icontains", place))
    if search:
        events = events.filter(any_language("title", "icontains", search))
    return events.order_by("starts_at", "pk")


def event_get(*, pk, public=True) -> Event:
    events = Event.objects.select_related("event_type", "organiser")
    if public:
        events = events.exclude(status=Event.Status.DRAFT)
    return events.get(pk=pk)


def registration_for(*, customer, event) -> Registration | None:
    if not getattr(customer, "is_authenticated", False):
        return None
    return Registration.objects.filter(customer=customer, event=event).first()


def registration_list(*, customer):
    """The customer's registrations, latest event first, each annotated with
    ``position`` on its waiting list (None when not waiting) in the same query."""
    waiting = Registration.Status.WAITLISTED
    ahead = (
        Registration.objects.filter(event_id=OuterRef("event_id"), status=waiting)
        .filter(
            Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
            | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("event_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Registration.objects.filter(customer=customer)
        .select_related("event__event_type", "event__organiser", "order")
        .prefetch_related("attendees")
        .annotate(position=Case(When(status=waiting, then=Subquery(ahead)), default=None))
        .order_by("-event__starts_at", "-pk")
    )


def registration_get(*, customer, pk) -> Registration:
    return registration_list(customer=customer).get(pk=pk)


def event_registrations(*, event):
    return Registration.objects.filter(event=event).select_related("customer", "checked_in_by").order_by("pk")


def event_checkin_list():
    """Events staff may be checking people in for: published, ending from today on."""
    return (
        Event.objects.published()
        .filter(ends_at__gte=timezone.now() - datetime.timedelta(hours=12))
        .order_by("starts_at")
    )


@dataclass
class MemberSummary:
    profile: MemberProfile | None
    badges: list
    recent_points: list
    points_total: int
    current_streak: int
    longest_streak: int


def member_summary(*, customer) -> MemberSummary:
    profile = MemberProfile.objects.filter(customer=customer).first()
    badges = list(
        UserBadge.objects.filter(customer=customer)
        .select_related("badge")
        .prefetch_related("badge__levels")
        .order_by(in_active_language("badge__name"))
    )
    recent = list(PointsEntry.objects.filter(customer=customer).order_by("-created_at", "-pk")[:20])
    return MemberSummary(
        profile=profile,
        badges=badges,
        recent_points=recent,
        points_total=profile.points_total if profile else 0,
        current_streak=profile.current_streak if profile else 0,
        longest_streak=profile.longest_streak if profile else 0,
    )


def badge_list():
    return Badge.objects.filter(is_active=True).prefetch_related("levels").order_by("name")


def period_key(period: str, now=None) -> str:
    now = now or timezone.now()
    if period == LeaderboardPeriod.WEEK:
        return week_key(now)
    if period == LeaderboardPeriod.MONTH:
        return month_key(now)
    return ALL_TIME_KEY


@dataclass
class Ranked:
    rank: int
    customer_id: int
    name: str
    points: int


@dataclass
class Leaderboard:
    period: str
    period_key: str
    event_type: EventType | None
    top: list
    me: Ranked | None


# The public top of a board is the same for every caller, so the top ``TOP_CACHED`` rows
# are cached for ``TOP_SECONDS``; an award forgets the boards it moves (in the awarding
# transaction and again after commit), so the list is normally fresh and never older
# than ``TOP_SECONDS``. The caller's own place is never cached.
TOP_CACHED = 100
TOP_SECONDS = 5


def leaderboard_top_cache_key(period, key, scope) -> str:
    return f"events:leaderboard:top:{period}:{key}:{scope}"


def _board(period, key, scope):
    return LeaderboardEntry.objects.filter(period=period, period_key=key, event_type_id=scope, points__gt=0)


def leaderboard_rows(*, period, key, scope, limit):
    """The board's first ``limit`` rows, most points first (ties by member id), read
    along ``events_leaderboard_rank_idx``."""
    return _board(period, key, scope).select_related("customer").order_by("-points", "customer_id")[:limit]


def leaderboard_place(*, period, key, scope, customer_id):
    """``(points, ahead)`` of one member on a board in one statement: their counter, and
    the number of members with more points summed from the board's histogram
    (``LeaderboardScore``), a range of about one row per points value above theirs,
    so the cost does not grow with the number of members."""
    ahead = (
        LeaderboardScore.objects.filter(
            period=period, period_key=key, event_type_id=scope, points__gt=OuterRef("points")
        )
        .order_by()
        .values("period")
        .annotate(n=Sum("members"))
        .values("n")
    )
    return (
        _board(period, key, scope)
        .filter(customer_id=customer_id)
        .annotate(ahead=Coalesce(Subquery(ahead), 0))
        .values_list("points", "ahead")
    )


def _top(period, key, scope, limit) -> list[Ranked]:
    cached = limit <= TOP_CACHED
    cache_key = leaderboard_top_cache_key(period, key, scope)
    top = cache.get(cache_key) if cached else None
    if top is None:
        top, rank = [], 0
        rows = leaderboard_rows(period=period, key=key, scope=scope, limit=TOP_CACHED if cached else limit)
        for position, row in enumerate(rows, start=1):
            if not top or row.points != top[-1][3]:
                rank = position
            top.append((rank, row.customer_id, _public_name(row.customer), row.points))
        if cached:
            cache.set(cache_key, top, TOP_SECONDS)
    return [Ranked(*row) for row in top[:limit]]


def leaderboard(
    *, period=LeaderboardPeriod.WEEK, event_type: EventType | None = None, customer=None, limit=10, now=None
):
    """The top ``limit`` members of a period (overall or for one event type) and the
    customer's own place, in standard competition ranking: equal points share a rank
    and the next rank skips ("1, 2, 2, 4"), so a rank always says how many members are
    ahead. At most two index-backed queries whatever the number of members: the top
    rows (none while cached, see ``TOP_SECONDS``) and the customer's points with the
    number of members ahead."""
    key = period_key(period, now)
    scope = event_type.pk if event_type else OVERALL
    top = _top(period, key, scope, limit)
    me = None
    if customer is not None and getattr(customer, "is_authenticated", False):
        place = leaderboard_place(period=period, key=key, scope=scope, customer_id=customer.pk).first()
        if place is not None:
            points, ahead = place
            me = Ranked(ahead + 1, customer.pk, _public_name(customer), points)
    return Leaderboard(period=period, period_key=key, event_type=event_type, top=top, me=me)


def _public_name(user) -> str:
    """First name and initial only: leaderboards are public."""
    parts = (user.name or "").split()
    if not parts:
        return f"#{user.customer_code or user.pk}"[:20]
    return parts[0] + (f" {parts[1][0]}." if len(parts) > 1 else "")
