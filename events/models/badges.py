"""Badges with their levels (up to ``MAX_LEVEL``), the badges members hold, and the trivia
wins the Trivia Master badge counts."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.core.models import TimeStampedModel

from .events import Event

MAX_LEVEL = 5


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
