"""Community events: types, events, registrations with a waiting list, attendance, and
the gamification around them (points ledger, badges with levels, weekly streaks,
leaderboard counters).

Two separate points balances exist on purpose:

- ``PointsEntry`` is this app's own *gamification* ledger (attendance, badge levels,
  streak bonuses, staff awards). It is what leaderboards rank and what the member's
  page shows as "points".
- The *coalition bonus* balance lives in the loyalty app and is fed only through
  ``skypark.core.loyalty.get_provider().points_award(source="event", ...)`` on
  attendance; this app never reads or writes loyalty's tables.

Places on an event are counted in ``Event.places_taken`` (registrations holding a
place: offered, pending payment, confirmed, attended, no-show); it only changes under
the event row lock in ``events.services`` and the database refuses a value above the
capacity.

The models live in modules by subject (``events``, ``registrations``, ``members``,
``badges``, ``points``); import them from here.
"""

from .badges import MAX_LEVEL, Badge, BadgeLevel, BadgeRule, TriviaWin, UserBadge
from .events import Event, EventQuerySet, EventStatus, EventType
from .members import Activity, ActivityKind, MemberProfile
from .points import (
    ALL_TIME_KEY,
    OVERALL,
    LeaderboardEntry,
    LeaderboardPeriod,
    LeaderboardScore,
    PointsEntry,
    PointsKind,
    month_key,
    week_key,
    week_start,
)
from .registrations import ACTIVE, HOLDING, Registration, RegistrationAttendee, RegistrationStatus

__all__ = [
    "ACTIVE",
    "ALL_TIME_KEY",
    "HOLDING",
    "MAX_LEVEL",
    "OVERALL",
    "Activity",
    "ActivityKind",
    "Badge",
    "BadgeLevel",
    "BadgeRule",
    "Event",
    "EventQuerySet",
    "EventStatus",
    "EventType",
    "LeaderboardEntry",
    "LeaderboardPeriod",
    "LeaderboardScore",
    "MemberProfile",
    "PointsEntry",
    "PointsKind",
    "Registration",
    "RegistrationAttendee",
    "RegistrationStatus",
    "TriviaWin",
    "UserBadge",
    "month_key",
    "week_key",
    "week_start",
]
