"""Play parks: parks with their hours and slots, per-slot capacity, tickets and visits.

Capacity that is sold ahead lives in ``SlotCapacity`` (one row per park, date and slot,
``sold`` never above ``capacity``); the people inside right now live in
``Park.current_occupancy``. Both counters change only through ``skypark.parks.services``
with conditional UPDATEs or row locks, and the database refuses any value out of range.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.commerce.qr import backup_code_new
from skypark.core.models import TimeStampedModel
from skypark.core.translated import localized_names

WHOLE_DAY = ""


def default_price_under_3() -> Decimal:
    from skypark.config.selectors import get_decimal

    return get_decimal("pricing.under_3")


def default_price_over_3() -> Decimal:
    from skypark.config.selectors import get_decimal

    return get_decimal("pricing.over_3")


class ParkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Park(TimeStampedModel):
    """A play park. ``name``, ``address``, ``amenities`` and ``closure_reason`` are kept
    per language (``translation.py``); reading them gives the visitor's language."""

    slug = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=255)
    address = models.TextField(_("address"))
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    current_occupancy = models.PositiveIntegerField(_("inside now"), default=0, editable=False)
    price_under_3 = models.DecimalField(
        _("price, under 3"), max_digits=10, decimal_places=2, default=default_price_under_3
    )
    price_over_3 = models.DecimalField(
        _("price, 3 and over"), max_digits=10, decimal_places=2, default=default_price_over_3
    )
    subscription_visits = models.PositiveSmallIntegerField(
        _("visits in a subscription"), default=10, validators=[MinValueValidator(1)]
    )
    subscription_days = models.PositiveSmallIntegerField(
        _("subscription valid for, days"), default=30, validators=[MinValueValidator(1)]
    )
    lat = models.DecimalField(
        _("latitude"),
        max_digits=10,
        decimal_places=8,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    lng = models.DecimalField(
        _("longitude"),
        max_digits=11,
        decimal_places=8,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    amenities = models.JSONField(
        _("amenities"), default=list, blank=True, help_text=_('A list, e.g. ["Café", "Cloakroom"].')
    )
    images = models.JSONField(_("images"), default=list, blank=True, help_text=_("A list of image URLs."))
    is_active = models.BooleanField(_("active"), default=True)
    is_temporarily_closed = models.BooleanField(_("temporarily closed"), default=False)
    closure_reason = models.TextField(_("closure reason"), blank=True)
    closed_until = models.DateField(
        _("closed until"), null=True, blank=True, help_text=_("Last closed day; empty means until further notice.")
    )
    reentry_allowed = models.BooleanField(
        _("re-entry after exit"),
        default=False,
        help_text=_("A group that left may come back the same day on the same visit."),
    )
    slot_grace_minutes = models.PositiveSmallIntegerField(
        _("early entry for a time slot, minutes"),
        default=15,
        help_text=_("A ticket for a time slot opens the gate this long before the slot starts, until it ends."),
    )
    guardian_pairing = models.BooleanField(
        _("children leave only with a listed adult"),
        default=False,
        help_text=_(
            "The gate records the adult who brought the children and lets them out only with the order holder "
            "or an adult the order holder named."
        ),
    )

    objects = ParkQuerySet.as_manager()

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="parks_park_capacity_gt_0"),
            models.CheckConstraint(
                condition=Q(current_occupancy__gte=0) & Q(current_occupancy__lte=F("capacity")),
                name="parks_park_occupancy_in_range",
            ),
            models.CheckConstraint(condition=Q(price_under_3__gte=0), name="parks_park_price_under_3_gte_0"),
            models.CheckConstraint(condition=Q(price_over_3__gte=0), name="parks_park_price_over_3_gte_0"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="parks_park_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lng__isnull=True) | Q(lng__gte=-180, lng__lte=180), name="parks_park_lng_range"
            ),
            models.CheckConstraint(
                condition=Q(is_temporarily_closed=False) | ~Q(closure_reason=""),
                name="parks_park_closure_has_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["capacity", "current_occupancy"], condition=Q(is_active=True), name="parks_active_cap_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.is_temporarily_closed and not self.closure_reason:
            raise ValidationError({localized_names("closure_reason")[0]: _("Say why the park is closed.")})
        if self.capacity is not None and self.current_occupancy > self.capacity:
            raise ValidationError({"capacity": _("The capacity cannot be below the number of visitors inside.")})
        for field in (*localized_names("amenities"), "images"):
            value = getattr(self, field, None)
            if field != "images" and value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError({field: _("Enter a list of texts.")})

    @property
    def display_name(self):
        return self.name

    @property
    def display_address(self):
        return self.address

    def is_closed_on(self, day: datetime.date) -> bool:
        """Temporarily closed on ``day`` (the closure flag with its optional last day)."""
        return self.is_temporarily_closed and (self.closed_until is None or day <= self.closed_until)

    @property
    def occupancy_percent(self) -> Decimal:
        return (Decimal(self.current_occupancy) * 100 / Decimal(self.capacity)).quantize(Decimal("0.1"))


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """Hours of one weekday. A weekday without a row is a closed day. ``closes`` before
    ``opens`` means the park closes after midnight, on the next calendar day."""

    park = models.ForeignKey(Park, verbose_name=_("park"), on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["park", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["park", "weekday"], name="parks_hours_one_per_weekday"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="parks_hours_weekday_range"),
            models.CheckConstraint(condition=~Q(opens=F("closes")), name="parks_hours_open_ne_close"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.closes < self.opens

    def clean(self):
        super().clean()
        if self.opens is not None and self.opens == self.closes:
            raise ValidationError({"closes": _("Closing time must differ from opening time.")})


class TimeSlot(models.Model):
    """An optional part of the day sold separately (morning, afternoon, evening). A park
    without slots sells whole days."""

    park = models.ForeignKey(Park, verbose_name=_("park"), on_delete=models.CASCADE, related_name="slots")
    code = models.SlugField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty means the park's capacity.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["park", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["park", "code"], name="parks_slot_code_unique"),
            models.CheckConstraint(condition=~Q(code=""), name="parks_slot_code_not_empty"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gt=0), name="parks_slot_cap_gt_0"),
        ]

    def __str__(self):
        return f"{self.name} {self.starts:%H:%M}–{self.ends:%H:%M}"


class SlotCapacity(models.Model):
    """Places sold for one park, date and slot (``slot`` is empty for a whole day).
    ``sold`` counts visitors on pending and paid tickets."""

    park = models.ForeignKey(Park, verbose_name=_("park"), on_delete=models.CASCADE, related_name="capacities")
    date = models.DateField(_("date"))
    slot = models.CharField(_("slot"), max_length=20, blank=True, default=WHOLE_DAY)
    capacity = models.PositiveIntegerField(_("capacity"))
    sold = models.PositiveIntegerField(_("sold"), default=0)

    class Meta:
        verbose_name = _("slot capacity")
        verbose_name_plural = _("slot capacities")
        ordering = ["park", "date", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["park", "date", "slot"], name="parks_capacity_unique"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="parks_capacity_gt_0"),
            models.CheckConstraint(
                condition=Q(sold__gte=0) & Q(sold__lte=F("capacity")), name="parks_capacity_sold_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.park} {self.date} {self.slot or '—'}: {self.sold}/{self.capacity}"

    @property
    def left(self) -> int:
        return max(self.capacity - self.sold, 0)


class TicketStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", pgettext_lazy("ticket status", "pending payment")
    ACTIVE = "active", pgettext_lazy("ticket status", "active")
    USED = "used", pgettext_lazy("ticket status", "used")
    EXPIRED = "expired", pgettext_lazy("ticket status", "expired")
    PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("ticket status", "partially refunded")
    REFUNDED = "refunded", pgettext_lazy("ticket status", "refunded")
    CANCELLED = "cancelled", pgettext_lazy("ticket status", "cancelled")


class TicketType(models.TextChoices):
    SINGLE = "single", _("single visit")
    SUBSCRIPTION = "subscription", _("subscription")


class Ticket(TimeStampedModel):
    """One purchase for a group of children: a single visit on ``visit_date`` (and
    ``slot``), or a subscription of ``visits_allowed`` visits from ``visit_date`` to
    ``valid_until``. ``children_data`` is a snapshot taken at purchase:
    ``[{"name", "age", "child_id", "price"}]`` with the age on the visit date."""

    Status = TicketStatus
    Type = TicketType

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="park_tickets"
    )
    park = models.ForeignKey(Park, verbose_name=_("park"), on_delete=models.PROTECT, related_name="tickets")
    order = models.ForeignKey(
        "commerce.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="park_tickets",
    )
    ticket_type = models.CharField(_("type"), max_length=20, choices=TicketType.choices, default=TicketType.SINGLE)
    visit_date = models.DateField(_("visit date"))
    slot = models.CharField(_("slot"), max_length=20, blank=True, default=WHOLE_DAY)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    visits_allowed = models.PositiveSmallIntegerField(_("visits allowed"), default=1)
    visits_used = models.PositiveSmallIntegerField(_("visits used"), default=0)
    qr_code = models.CharField(_("QR code"), max_length=400, blank=True)
    backup_code = models.CharField(_("backup code"), max_length=8, unique=True, default=backup_code_new)
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.PENDING_PAYMENT
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    discount_amount = models.DecimalField(_("discount"), max_digits=10, decimal_places=2, default=Decimal("0"))
    loyalty_points_used = models.PositiveIntegerField(_("loyalty points used"), default=0)
    children_data = models.JSONField(_("children"), default=list, encoder=DjangoJSONEncoder)
    guardians = models.JSONField(
        _("adults who may collect the children"),
        default=list,
        blank=True,
        help_text=_("Named by the order holder besides themselves: first name and initial, as the gate shows them."),
    )
    entry_time = models.DateTimeField(_("entry time"), null=True, blank=True)
    exit_time = models.DateTimeField(_("exit time"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name="parks_ticket_status_valid"),
            models.CheckConstraint(condition=Q(ticket_type__in=TicketType.values), name="parks_ticket_type_valid"),
            models.CheckConstraint(condition=Q(price__gte=0), name="parks_ticket_price_gte_0"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0) & Q(discount_amount__lte=F("price")),
                name="parks_ticket_discount_in_range",
            ),
            models.CheckConstraint(
                condition=Q(entry_time__isnull=True) | Q(exit_time__isnull=True) | Q(exit_time__gte=F("entry_time")),
                name="parks_ticket_exit_after_entry",
            ),
            models.CheckConstraint(
                condition=Q(visits_allowed__gte=1) & Q(visits_used__lte=F("visits_allowed")),
                name="parks_ticket_visits_in_range",
            ),
            models.CheckConstraint(
                condition=Q(ticket_type="single") | Q(valid_until__isnull=False),
                name="parks_ticket_subscription_has_end",
            ),
            models.UniqueConstraint(fields=["qr_code"], condition=~Q(qr_code=""), name="parks_ticket_qr_unique"),
        ]
        indexes = [
            # The analytical store's sync reads changed rows by (updated_at, id).
            models.Index(fields=["updated_at", "id"], name="parks_ticket_facts_idx"),
            models.Index(
                fields=["customer", "visit_date"],
                condition=Q(status__in=["active", "used"]),
                name="parks_ticket_customer_date_idx",
            ),
            models.Index(
                fields=["park", "visit_date"],
                condition=Q(status__in=["active", "used"]),
                name="parks_ticket_park_date_idx",
            ),
            models.Index(fields=["status", "visit_date"], name="parks_ticket_status_date_idx"),
            models.Index(
                fields=["visit_date"],
                condition=Q(status__in=["active", "pending_payment"]),
                name="parks_ticket_open_date_idx",
            ),
            models.Index(
                fields=["visit_date"],
                condition=Q(status="active", reminder_sent_at__isnull=True),
                name="parks_ticket_remind_idx",
            ),
        ]

    def __str__(self):
        return f"{self.backup_code} · {self.park_id} · {self.visit_date}"

    @property
    def visitors(self) -> int:
        return len(self.children_data)

    @property
    def total(self) -> Decimal:
        return self.price - self.discount_amount

    @property
    def is_subscription(self) -> bool:
        return self.ticket_type == TicketType.SUBSCRIPTION

    @property
    def backup_code_display(self) -> str:
        return f"{self.backup_code[:4]}-{self.backup_code[4:]}"

    def valid_on(self, day: datetime.date) -> bool:
        if self.is_subscription:
            return self.visit_date <= day <= self.valid_until
        return day == self.visit_date


class ParkVisit(TimeStampedModel):
    class EntryMethod(models.TextChoices):
        QR = "qr", _("QR code")
        MANUAL = "manual", _("backup code")
        STAFF = "staff", _("staff")

    class Status(models.TextChoices):
        ACTIVE = "active", _("inside")
        EXITED = "exited", _("exited")
        EXPIRED = "expired", _("closed at end of day")

    park = models.ForeignKey(Park, verbose_name=_("park"), on_delete=models.PROTECT, related_name="visits")
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    entry_time = models.DateTimeField(_("entry time"), default=timezone.now)
    exit_time = models.DateTimeField(_("exit time"), null=True, blank=True)
    visit_date = models.DateField(_("visit date"), default=timezone.localdate)
    visitor_count = models.PositiveIntegerField(_("visitors"), default=1)
    visitor_ages = models.JSONField(_("visitor ages"), default=list, blank=True)
    entry_method = models.CharField(
        _("entry method"), max_length=20, choices=EntryMethod.choices, default=EntryMethod.QR
    )
    gate = models.CharField(_("gate"), max_length=50, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    scan = models.OneToOneField(
        "parks.GateScan", verbose_name=_("scan"), on_delete=models.PROTECT, null=True, blank=True, related_name="visit"
    )

    class Meta:
        verbose_name = _("park visit")
        verbose_name_plural = _("park visits")
        ordering = ["-entry_time", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(visitor_count__gt=0), name="parks_visit_count_gt_0"),
            models.CheckConstraint(
                condition=Q(exit_time__isnull=True) | Q(exit_time__gte=F("entry_time")),
                name="parks_visit_exit_after_entry",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "exited", "expired"]), name="parks_visit_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(entry_method__in=["qr", "manual", "staff"]), name="parks_visit_method_valid"
            ),
        ]
        indexes = [
            # The analytical store's sync reads changed rows by (updated_at, id).
            models.Index(fields=["updated_at", "id"], name="parks_visit_facts_idx"),
            models.Index(fields=["park", "visit_date"], name="parks_visit_park_date_idx"),
            models.Index(fields=["park", "status"], condition=Q(status="active"), name="parks_visit_active_idx"),
            models.Index(fields=["entry_time"], name="parks_visit_entry_idx"),
        ]

    def __str__(self):
        return f"{self.park} · {self.entry_time:%Y-%m-%d %H:%M} · {self.visitor_count}"


from .gates.models import (  # noqa: E402
    DoubleEntry,
    GateBatch,
    GateDevice,
    GatePackWindow,
    GateScan,
    GateSigningKey,
)

__all__ = ["DoubleEntry", "GateBatch", "GateDevice", "GatePackWindow", "GateScan", "GateSigningKey"]
