"""Event types and events: what happens, where and when, its places and price."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.core.models import Currency, TimeStampedModel


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
