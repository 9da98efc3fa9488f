"""Registrations for an event, with the waiting list, check-in, and the named attendees
of a group registration. ``HOLDING`` are the statuses that hold a place, ``ACTIVE`` those
still going somewhere."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.commerce.qr import backup_code_new
from skypark.core.models import TimeStampedModel

from .events import Event


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
            # The analytical store's sync reads changed rows by (updated_at, id).
            models.Index(fields=["updated_at", "id"], name="events_reg_facts_idx"),
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
