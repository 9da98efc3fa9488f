"""The member's side of the gamification: the profile with streak state, points total
and referral link, and the activities elsewhere on the platform that count toward it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skypark.core.models import TimeStampedModel


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
