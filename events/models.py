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
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.commerce.qr import backup_code_new
from skypark.core.models import Currency, TimeStampedModel

MAX_LEVEL = 5


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


class EventType(models.Model):
    """Trivia night, workshop, meetup, sport … kept as data so staff can add more."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("event type")
        verbose_name_plural = _("event types")
        ordering = ["name"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.name


class EventStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("event status", "draft")
    PUBLISHED = "published", pgettext_lazy("event status", "published")
    CANCELLED = "cancelled", pgettext_lazy("event status", "cancelled")
    FINISHED = "finished", pgettext_lazy("event status", "finished")


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=EventStatus.PUBLISHED)

    def upcoming(self, now=None):
        return self.published().filter(ends_at__gt=now or timezone.now())


class Event(TimeStampedModel):
    """One event. ``title``/``description``/``location`` are kept per language
    (``translation.py``); reading them gives the visitor's language. ``organiser`` empty
    means the community itself organises it."""

    Status = EventStatus

    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    event_type = models.ForeignKey(EventType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="events")
    location = models.CharField(_("place"), max_length=255)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    organiser = models.ForeignKey(
        "accounts.Merchant",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        help_text=_("Empty means the community organises it."),
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty means no limit."))
    places_taken = models.PositiveIntegerField(_("places taken"), default=0, editable=False)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KGS)
    points_reward = models.PositiveIntegerField(_("points for attending"), default=0)
    cancellation_cutoff_hours = models.PositiveIntegerField(
        _("cancellation cut-off, hours"),
        null=True,
        blank=True,
        help_text=_("Customers may cancel until this many hours before the start. Empty means the system setting."),
    )
    status = models.CharField(_("status"), max_length=20, choices=EventStatus.choices, default=EventStatus.DRAFT)
    cover_image = models.ImageField(_("cover image"), upload_to="events/covers/", blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="events_event_ends_after_start"),
            models.CheckConstraint(condition=Q(price__gte=0), name="events_event_price_gte_0"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0), name="events_event_capacity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(places_taken__lte=F("capacity")),
                name="events_event_not_oversold",
            ),
            models.CheckConstraint(condition=Q(status__in=EventStatus.values), name="events_event_status_valid"),
        ]
        indexes = [
            models.Index(fields=["starts_at"], condition=Q(status="published"), name="events_published_start_idx"),
            models.Index(fields=["status", "ends_at"], name="events_status_end_idx"),
        ]

    def __str__(self):
        return f"{self.display_title} ({timezone.localtime(self.starts_at):%d.%m.%Y %H:%M})"

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})
        if self.capacity is not None and self.places_taken > self.capacity:
            raise ValidationError({"capacity": _("The capacity cannot be below the places already taken.")})

    @property
    def display_title(self):
        return self.title

    @property
    def display_description(self):
        return self.description

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def places_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.places_taken, 0)

    @property
    def organiser_name(self) -> str:
        return self.organiser.name if self.organiser_id else str(_("Community"))


class RegistrationStatus(models.TextChoices):
    WAITLISTED = "waitlisted", pgettext_lazy("registration status", "on the waiting list")
    OFFERED = "offered", pgettext_lazy("registration status", "place offered")
    PENDING_PAYMENT = "pending_payment", pgettext_lazy("registration status", "pending payment")
    CONFIRMED = "confirmed", pgettext_lazy("registration status", "confirmed")
    ATTENDED = "attended", pgettext_lazy("registration status", "attended")
    NO_SHOW = "no_show", pgettext_lazy("registration status", "did not come")
    CANCELLED = "cancelled", pgettext_lazy("registration status", "cancelled")
    EXPIRED = "expired", pgettext_lazy("registration status", "expired")


HOLDING = (
    RegistrationStatus.OFFERED,
    RegistrationStatus.PENDING_PAYMENT,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.ATTENDED,
    RegistrationStatus.NO_SHOW,
)
ACTIVE = (
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
    RegistrationStatus.PENDING_PAYMENT,
    RegistrationStatus.CONFIRMED,
)


class Registration(TimeStampedModel):
    """One customer's registration for one event (one row per pair; cancelling and
    registering again reuses it). The waiting list is the ``waitlisted`` rows in
    ``waitlisted_at, pk`` order."""

    Status = RegistrationStatus

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="registrations")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="event_registrations",
    )
    status = models.CharField(_("status"), max_length=20, choices=RegistrationStatus.choices)
    order = models.ForeignKey(
        "commerce.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event_registrations",
    )
    qr_code = models.CharField(_("QR code"), max_length=200, blank=True)
    backup_code = models.CharField(_("backup code"), max_length=8, unique=True, default=backup_code_new)
    waitlisted_at = models.DateTimeField(_("joined the waiting list"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    check_in_method = models.CharField(_("check-in method"), max_length=10, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by_organiser = models.BooleanField(_("cancelled by the organiser"), default=False)
    places = models.PositiveSmallIntegerField(
        _("places"), default=1, help_text=_("People in the group: the customer and the named attendees.")
    )
    split_if_needed = models.BooleanField(
        _("split if needed"),
        default=False,
        help_text=_("The group accepts fewer places now, the rest staying on the waiting list."),
    )
    part_of = models.ForeignKey(
        "self",
        verbose_name=_("split from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parts",
        help_text=_("The customer's group registration this part was split from."),
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "customer"],
                condition=Q(part_of__isnull=True),
                name="events_registration_one_per_customer",
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="events_registration_places_gte_1"),
            models.CheckConstraint(
                condition=Q(status__in=RegistrationStatus.values), name="events_registration_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | (Q(checked_in_at__isnull=False) & Q(checked_out_at__gte=F("checked_in_at"))),
                name="events_registration_out_after_in",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="events_registration_offer_has_expiry",
            ),
            models.UniqueConstraint(fields=["qr_code"], condition=~Q(qr_code=""), name="events_registration_qr_unique"),
        ]
        indexes = [
            models.Index(
                fields=["event", "waitlisted_at", "id"], condition=Q(status="waitlisted"), name="events_waitlist_idx"
            ),
            models.Index(fields=["offer_expires_at"], condition=Q(status="offered"), name="events_offer_expiry_idx"),
            models.Index(fields=["event", "status"], name="events_reg_event_status_idx"),
            models.Index(fields=["customer", "status"], name="events_reg_customer_status_idx"),
        ]

    def __str__(self):
        return f"{self.backup_code_display} · {self.customer_id} · {self.event_id}"

    @property
    def backup_code_display(self) -> str:
        return f"{self.backup_code[:4]}-{self.backup_code[4:]}"

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDING

    @property
    def shows_code(self) -> bool:
        return self.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED)

    @property
    def root_id(self) -> int:
        """The customer's own registration of the group (itself unless split from one)."""
        return self.part_of_id or self.pk


class RegistrationAttendee(models.Model):
    """One person of a group registration: the customer, one of their children or a named
    adult (family member or colleague). Each holds one place; an attendee cancelled on
    their own keeps the row with ``cancelled_at`` so the e-mail and the history can say
    who left."""

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="attendees"
    )
    name = models.CharField(_("name"), max_length=255)
    child = models.ForeignKey(
        "accounts.Child", verbose_name=_("child"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_customer = models.BooleanField(_("the customer"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["registration", "position", "pk"]
        indexes = [models.Index(fields=["registration", "cancelled_at"], name="events_attendee_reg_idx")]

    def __str__(self):
        return self.name


class MemberProfile(TimeStampedModel):
    """The events side of a customer: streak state, running points total and the simple
    referral link used by the Community Builder badge (the loyalty app's referral
    codes are not visible from here, so ``referred_by`` is kept in this app)."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="event_profile"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_referrals",
    )
    points_total = models.IntegerField(_("points"), default=0)
    current_streak = models.PositiveIntegerField(_("current streak, weeks"), default=0)
    longest_streak = models.PositiveIntegerField(_("longest streak, weeks"), default=0)
    last_attended_week = models.DateField(_("last week attended (Monday)"), null=True, blank=True)

    class Meta:
        verbose_name = _("member profile")
        verbose_name_plural = _("member profiles")
        constraints = [
            models.CheckConstraint(condition=~Q(referred_by=F("customer")), name="events_profile_not_self_referred"),
        ]
        indexes = [
            models.Index(
                fields=["last_attended_week"], condition=Q(current_streak__gt=0), name="events_profile_streak_idx"
            ),
        ]

    def __str__(self):
        return str(self.customer)


class BadgeRule(models.TextChoices):
    EVENT_EXPLORER = "event_explorer", _("distinct event types attended")
    CONSISTENT_ATTENDEE = "consistent_attendee", _("weekly streak length")
    SOCIAL_BUTTERFLY = "social_butterfly", _("distinct members met at events")
    COMMUNITY_BUILDER = "community_builder", _("referred members who attended")
    TRIVIA_MASTER = "trivia_master", _("trivia wins")
    ACTIVE_LIFE = "active_life", _("park visits and completed courses")
    MANUAL = "manual", _("awarded by staff only")


class Badge(TimeStampedModel):
    Rule = BadgeRule

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    badge_type = models.CharField(_("rule"), max_length=30, choices=BadgeRule.choices)
    category = models.CharField(_("category"), max_length=50, blank=True)
    icon = models.CharField(_("icon"), max_length=255, blank=True, help_text=_("An emoji or an image URL."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(badge_type__in=BadgeRule.values), name="events_badge_rule_valid"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.name

    @property
    def display_description(self):
        return self.description


class BadgeLevel(models.Model):
    """Level ``level`` of a badge is reached when the rule's measure is at least
    ``requirement``; reaching it earns ``points``."""

    badge = models.ForeignKey(Badge, verbose_name=_("badge"), on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(MAX_LEVEL)]
    )
    requirement = models.PositiveIntegerField(_("requirement"), validators=[MinValueValidator(1)])
    points = models.PositiveIntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("badge level")
        verbose_name_plural = _("badge levels")
        ordering = ["badge", "level"]
        constraints = [
            models.UniqueConstraint(fields=["badge", "level"], name="events_badge_level_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=MAX_LEVEL), name="events_badge_level_range"),
            models.CheckConstraint(condition=Q(requirement__gte=1), name="events_badge_requirement_gte_1"),
        ]

    def __str__(self):
        return f"{self.badge} {self.level}"


class UserBadge(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="event_badges"
    )
    badge = models.ForeignKey(Badge, verbose_name=_("badge"), on_delete=models.CASCADE, related_name="holders")
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    earned_at = models.DateTimeField(_("earned at"), default=timezone.now)
    levelled_at = models.DateTimeField(_("last level reached at"), default=timezone.now)

    class Meta:
        verbose_name = _("member badge")
        verbose_name_plural = _("member badges")
        ordering = ["-levelled_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "badge"], name="events_user_badge_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=MAX_LEVEL), name="events_user_badge_level"),
        ]

    def __str__(self):
        return f"{self.badge} {self.level} · {self.customer_id}"


class TriviaWin(models.Model):
    """A trivia win recorded by staff; counted by the Trivia Master badge."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="trivia_wins"
    )
    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="trivia_wins")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trivia win")
        verbose_name_plural = _("trivia wins")
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="events_trivia_win_once")]

    def __str__(self):
        return f"{self.customer_id} · {self.event_id}"


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


class ActivityKind(models.TextChoices):
    PARK_VISIT = "park_visit", _("park visit")
    COURSE_COMPLETED = "course_completed", _("completed course")


class Activity(models.Model):
    """Something the member did elsewhere on the platform (``skypark.core.activity``):
    it earns points, keeps the weekly streak going and counts toward the Active Life
    badge. ``reference`` is the sender's unique name of it, so it counts once."""

    Kind = ActivityKind

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="event_activities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    reference = models.CharField(_("reference"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    occurred_at = models.DateTimeField(_("when"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ActivityKind.values), name="events_activity_kind_valid"),
        ]
        indexes = [models.Index(fields=["customer", "occurred_at"], name="events_activity_customer_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.customer_id} · {self.reference}"
