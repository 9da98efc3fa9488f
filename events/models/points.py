"""The gamification points ledger and the leaderboards kept from it, with the week and
month keys (in the platform's time zone) that entries and boards count in."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import Event, EventType


def week_start(moment) -> datetime.date:
    """The Monday of the ISO week that ``moment`` (an aware datetime or a date) falls in,
    in the platform's time zone: Sunday 23:30 in Bishkek is still that week even though
    it is Sunday 17:30 UTC, and Monday 01:00 in Bishkek is the next week."""
    day = timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment
    return day - datetime.timedelta(days=day.weekday())


def week_key(moment) -> str:
    year, week, _day = week_start(moment).isocalendar()
    return f"{year}-W{week:02d}"


def month_key(moment) -> str:
    day = timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment
    return f"{day:%Y-%m}"


class PointsKind(models.TextChoices):
    ATTENDANCE = "attendance", _("attendance")
    BADGE = "badge", _("badge")
    STREAK = "streak", _("streak bonus")
    MANUAL = "manual", _("awarded by staff")
    ACTIVITY = "activity", _("park visit or course")


class PointsEntry(models.Model):
    """One line of the gamification ledger. ``reference`` is unique, which is what makes
    every award idempotent. ``week``/``month`` are the platform-time-zone periods the
    entry counts in; ``event_type`` is set for attendance so leaderboards per type
    can be kept."""

    Kind = PointsKind

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="event_points"
    )
    points = models.IntegerField(_("points"))
    kind = models.CharField(_("kind"), max_length=20, choices=PointsKind.choices)
    reference = models.CharField(_("reference"), max_length=120, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_type = models.ForeignKey(
        EventType, verbose_name=_("event type"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    week = models.CharField(_("ISO week"), max_length=8)
    month = models.CharField(_("month"), max_length=7)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("awarded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="events_points_not_zero"),
            models.CheckConstraint(condition=Q(kind__in=PointsKind.values), name="events_points_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="events_points_customer_idx"),
            models.Index(fields=["week"], name="events_points_week_idx"),
            models.Index(fields=["month"], name="events_points_month_idx"),
        ]

    def __str__(self):
        return f"{self.points:+d} · {self.customer_id} · {self.reference}"


class LeaderboardPeriod(models.TextChoices):
    WEEK = "week", _("this week")
    MONTH = "month", _("this month")
    ALL = "all", _("all time")


ALL_TIME_KEY = "all"
OVERALL = 0


class LeaderboardEntry(models.Model):
    """Points per member per period (``period_key`` "2026-W47", "2026-11" or "all") and
    scope (``event_type_id`` 0 = overall, otherwise one event type), kept up to date on
    every award and rebuilt from the ledger by a job. The board's top list reads this
    table's rank index; a member's rank reads ``LeaderboardScore``."""

    Period = LeaderboardPeriod

    period = models.CharField(_("period"), max_length=5, choices=LeaderboardPeriod.choices)
    period_key = models.CharField(_("period key"), max_length=8)
    event_type_id = models.PositiveIntegerField(_("event type"), default=OVERALL)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    points = models.IntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("leaderboard entry")
        verbose_name_plural = _("leaderboard entries")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "period_key", "event_type_id", "customer"], name="events_leaderboard_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["period", "period_key", "event_type_id", "-points", "customer"],
                name="events_leaderboard_rank_idx",
            ),
        ]

    def __str__(self):
        return f"{self.period_key}/{self.event_type_id}: {self.customer_id} {self.points}"


class LeaderboardScore(models.Model):
    """How many members of one board (period, period key, scope) have ``points``: a
    histogram of ``LeaderboardEntry``, so a rank is 1 + the sum of ``members`` over the
    points values above the member's, a few hundred rows whatever the number of
    members.

    Awards never update these rows: each award inserts ``-1`` at the member's old
    points and ``+1`` at the new in the same transaction as the entry, so concurrent
    awards neither wait for one another nor deadlock, and a value is the sum of its
    rows. ``leaderboard_scores_fold`` (every minute) merges the rows of each value into
    one and deletes values that sum to 0, which keeps a board at about one row per
    points value."""

    Period = LeaderboardPeriod

    period = models.CharField(_("period"), max_length=5, choices=LeaderboardPeriod.choices)
    period_key = models.CharField(_("period key"), max_length=8)
    event_type_id = models.PositiveIntegerField(_("event type"), default=OVERALL)
    points = models.IntegerField(_("points"))
    members = models.IntegerField(_("members"))

    class Meta:
        verbose_name = _("leaderboard score")
        verbose_name_plural = _("leaderboard scores")
        indexes = [
            models.Index(
                # ``members`` in the key so that a rank is an index-only scan.
                fields=["period", "period_key", "event_type_id", "points", "members"],
                name="events_leaderboard_score_idx",
            ),
        ]

    def __str__(self):
        return f"{self.period_key}/{self.event_type_id}: {self.points} × {self.members}"
