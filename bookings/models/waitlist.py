"""The waiting list of a full session: groups of attendees waiting for places together."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.core.models import TimeStampedModel

from .bookings import Booking
from .sessions import CourseSession


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("waiting-list status", "on the waiting list")
    OFFERED = "offered", pgettext_lazy("waiting-list status", "places offered")
    BOOKED = "booked", pgettext_lazy("waiting-list status", "booked")
    EXPIRED = "expired", pgettext_lazy("waiting-list status", "offer expired")
    CANCELLED = "cancelled", pgettext_lazy("waiting-list status", "cancelled")


class WaitlistEntry(TimeStampedModel):
    """A customer's group waiting for places on a full session: the named attendees
    (``[{"name", "email"}]``), who all get places together unless ``split_if_needed``.
    The list is the ``waiting`` rows in ``joined_at, pk`` order; an offer holds its
    places on the session until it is booked or expires. A split moves the people who
    did not fit to a new entry ``part_of`` this one, at the same place in the list."""

    Status = WaitlistStatus

    session = models.ForeignKey(
        CourseSession, verbose_name=_("session"), on_delete=models.PROTECT, related_name="waitlist"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="course_waitlist",
    )
    status = models.CharField(_("status"), max_length=20, choices=WaitlistStatus.choices, default="waiting")
    attendees = models.JSONField(_("attendees"), default=list)
    places = models.PositiveIntegerField(_("places"), default=1, validators=[MinValueValidator(1)])
    split_if_needed = models.BooleanField(_("split if needed"), default=False)
    discount_code = models.CharField(_("discount code"), max_length=50, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    joined_at = models.DateTimeField(_("joined the waiting list"))
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    part_of = models.ForeignKey(
        "self", verbose_name=_("split from"), on_delete=models.PROTECT, null=True, blank=True, related_name="parts"
    )

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting list")
        ordering = ["session", "joined_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=WaitlistStatus.values), name="bookings_waitlist_status_valid"
            ),
            models.CheckConstraint(condition=Q(places__gt=0), name="bookings_waitlist_places_gt_0"),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="bookings_waitlist_offer_has_expiry",
            ),
        ]
        indexes = [
            models.Index(
                fields=["session", "joined_at", "id"], condition=Q(status="waiting"), name="bookings_waitlist_idx"
            ),
            models.Index(fields=["offer_expires_at"], condition=Q(status="offered"), name="bookings_offer_expiry_idx"),
        ]

    def __str__(self):
        return f"{self.session_id} · {self.customer_id} · {self.places}"
