"""Scheduled sessions of a course at a venue, with their days; ``INSTRUCTORS_GROUP`` names
the Django group whose staff may teach them."""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.core.models import TimeStampedModel

from .courses import Course
from .venues import Venue

INSTRUCTORS_GROUP = "Instructors"


class SessionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("course session status", "draft")
    PUBLISHED = "published", pgettext_lazy("course session status", "published")
    FULL = "full", pgettext_lazy("course session status", "full")
    CANCELLED = "cancelled", pgettext_lazy("course session status", "cancelled")


class CourseSession(TimeStampedModel):
    """One scheduled run of a course at a venue (the seed's ``course_schedules``).

    ``status`` moves between published and full as places are taken and freed; that is
    done by the booking services, never by hand. ``completed_at`` is set by staff once
    the session has run; certificates can only be issued after it."""

    Status = SessionStatus
    OPEN_STATUSES = (Status.PUBLISHED, Status.FULL)

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="sessions")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="taught_sessions",
        limit_choices_to={"is_staff": True, "groups__name": INSTRUCTORS_GROUP},
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    capacity = models.PositiveIntegerField(_("places"), validators=[MinValueValidator(1)])
    places_taken = models.PositiveIntegerField(_("places taken"), default=0, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        permissions = [
            ("mark_attendance", _("Can mark attendance")),
            ("issue_certificate", _("Can issue certificates")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="bookings_session_ends_after_start"),
            models.CheckConstraint(condition=Q(status__in=SessionStatus.values), name="bookings_session_status_valid"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="bookings_session_capacity_gt_0"),
            models.CheckConstraint(
                condition=Q(places_taken__gte=0) & Q(places_taken__lte=F("capacity")),
                name="bookings_session_places_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["venue", "starts_at"], name="bookings_session_venue_idx"),
            models.Index(fields=["instructor", "starts_at"], name="bookings_session_instr_idx"),
            models.Index(
                fields=["starts_at", "status"],
                condition=Q(status__in=["published", "full"]),
                name="bookings_session_open_idx",
            ),
        ]

    def __str__(self):
        start = timezone.localtime(self.starts_at) if self.starts_at else None
        return f"{self.course} · {start:%d.%m.%Y %H:%M}" if start else str(self.course)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return self.venue.zone

    @property
    def local_starts_at(self):
        """The start on the venue's clocks (as the customer is told it)."""
        return self.starts_at.astimezone(self.zone)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(self.zone)

    @property
    def is_bookable(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.places_left > 0 and self.starts_at > timezone.now()


class SessionDay(models.Model):
    """One day of a session (a three-day First Aid at Work course has three). The
    session's ``starts_at``/``ends_at`` span its days; the days are what the venue and
    the instructor are busy for. ``venue``, ``instructor`` and ``is_live`` copy the
    session's (the services keep them in step) so that PostgreSQL's exclusion
    constraints (migration 0010) can refuse two live days overlapping at one venue or
    with one instructor."""

    session = models.ForeignKey(CourseSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="days")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="+")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_live = models.BooleanField(_("live"), default=True, help_text=_("False once the session is cancelled."))

    class Meta:
        verbose_name = _("session day")
        verbose_name_plural = _("session days")
        ordering = ["session", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="bookings_day_ends_after_start"),
            models.UniqueConstraint(fields=["session", "starts_at"], name="bookings_day_unique_start"),
        ]
        indexes = [
            models.Index(fields=["venue", "starts_at"], name="bookings_day_venue_idx"),
            models.Index(fields=["instructor", "starts_at"], name="bookings_day_instr_idx"),
        ]

    def __str__(self):
        start = self.starts_at.astimezone(self.venue.zone) if self.venue_id else self.starts_at
        return f"{start:%d.%m.%Y %H:%M}"

    @property
    def hours(self):
        return Decimal((self.ends_at - self.starts_at).total_seconds()) / Decimal(3600)

    @property
    def local_starts_at(self):
        return self.starts_at.astimezone(self.venue.zone)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(self.venue.zone)
