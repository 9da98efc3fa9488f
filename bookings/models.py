"""First-aid course bookings: course types, courses, venues, scheduled sessions,
bookings with their attendees, discount codes and certificates.

Capacity lives on ``CourseSession.places_taken`` (never above ``capacity``, which is never
above the venue's); it only changes in ``bookings.services`` under the session's row lock.
On PostgreSQL two exclusion constraints (migration 0002) also refuse overlapping sessions
at one venue and an instructor booked twice at once; everywhere the services check the
same thing first so a user gets a message, not an IntegrityError.

Instructors are staff users in the Django group ``Instructors`` (created by migration
0001, see ``INSTRUCTORS_GROUP``).
"""

import re
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.core.models import Currency, TimeStampedModel
from skypark.core.references import human_reference, random_code

INSTRUCTORS_GROUP = "Instructors"
ZERO = Decimal("0.00")

# The Royal Mail format: outward code (area, district) and inward code (sector, unit),
# plus the one historic exception GIR 0AA.
POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")


def postcode_normalise(value: str) -> str:
    """``"sw1a1aa"`` → ``"SW1A 1AA"``; raises ``ValidationError`` for anything that is not
    a UK postcode."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    if not POSTCODE_RE.match(compact):
        raise ValidationError(_("Enter a UK postcode, e.g. SW1A 1AA."), code="invalid_postcode")
    return f"{compact[:-3]} {compact[-3:]}"


KG_POSTCODE_RE = re.compile(r"^7[0-9]{5}$")


def kg_postcode_normalise(value: str) -> str:
    """Kyrgyz postal codes are six digits starting with 7 (Bishkek 720001, Osh 723500)."""
    compact = re.sub(r"\s+", "", value or "")
    if not KG_POSTCODE_RE.match(compact):
        raise ValidationError(_("Enter a Kyrgyz postal code, e.g. 720001."), code="invalid_postcode")
    return compact


DEFAULT_VENUE_ZONE = "Europe/London"
COUNTRY_ZONES = {"GB": "Europe/London", "KG": "Asia/Bishkek"}


def zone_names() -> set[str]:
    return zoneinfo.available_timezones()


def zone_get(name: str) -> zoneinfo.ZoneInfo:
    """The venue's zone; an unknown name (a zone database without it) falls back to the
    default rather than breaking a page."""
    try:
        return zoneinfo.ZoneInfo(name or DEFAULT_VENUE_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_VENUE_ZONE)


def new_booking_reference() -> str:
    return human_reference("RF", 8)


def new_certificate_number() -> str:
    return f"RFT-{timezone.now():%Y}-{random_code(8)}"


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kwargs)


class CourseType(TimeStampedModel):
    """EFAW, FAW and Paediatric are seeded; staff add more in the admin."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("course type")
        verbose_name_plural = _("course types")
        ordering = ["code"]

    def __str__(self):
        return self.code


class Course(TimeStampedModel):
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    course_type = models.ForeignKey(
        CourseType, verbose_name=_("course type"), on_delete=models.PROTECT, related_name="courses"
    )
    duration_hours = models.DecimalField(_("duration, hours"), max_digits=4, decimal_places=2)
    price = money_field(_("price"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.GBP)
    max_capacity = models.PositiveIntegerField(_("maximum places"), default=12, validators=[MinValueValidator(1)])
    certificate_validity_years = models.PositiveSmallIntegerField(_("certificate valid for, years"), default=3)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_hours__gt=0), name="bookings_course_duration_gt_0"),
            models.CheckConstraint(condition=Q(price__gte=0), name="bookings_course_price_gte_0"),
            models.CheckConstraint(condition=Q(max_capacity__gt=0), name="bookings_course_capacity_gt_0"),
        ]
        indexes = [models.Index(fields=["course_type", "is_active"], name="bookings_course_type_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.duration_hours is not None and self.duration_hours <= 0:
            raise ValidationError({"duration_hours": _("The duration must be more than zero.")})
        if self.price is not None and self.price < 0:
            raise ValidationError({"price": _("The price cannot be negative.")})


class Venue(TimeStampedModel):
    """A room where sessions run, in the UK or in Kyrgyzstan; the country decides the
    postcode format."""

    class Country(models.TextChoices):
        GB = "GB", _("United Kingdom")
        KG = "KG", _("Kyrgyzstan")

    name = models.CharField(_("name"), max_length=255)
    address_line1 = models.CharField(_("address line 1"), max_length=255)
    address_line2 = models.CharField(_("address line 2"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100)
    postcode = models.CharField(
        _("postcode"), max_length=10, help_text=_("A UK postcode (SW1A 1AA) or a Kyrgyz one (720001).")
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.GB)
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    facilities = models.JSONField(
        _("facilities"), default=list, blank=True, help_text=_('A list, e.g. ["Projector", "Step-free access"].')
    )
    parking_info = models.TextField(_("parking"), blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=DEFAULT_VENUE_ZONE,
        help_text=_("The zone of the venue's clocks (Europe/London, Asia/Bishkek): times are shown in it."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["city", "name"]
        constraints = [models.CheckConstraint(condition=Q(capacity__gt=0), name="bookings_venue_capacity_gt_0")]
        indexes = [models.Index(fields=["city", "is_active"], name="bookings_venue_city_idx")]

    def __str__(self):
        return f"{self.name}, {self.city}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zone_get(self.time_zone)

    def clean(self):
        super().clean()
        if self.time_zone not in zone_names():
            raise ValidationError({"time_zone": _("Choose a time zone from the list, e.g. Europe/London.")})
        if self.postcode:
            normalise = kg_postcode_normalise if self.country == self.Country.KG else postcode_normalise
            try:
                self.postcode = normalise(self.postcode)
            except ValidationError as exc:
                raise ValidationError({"postcode": exc.messages})

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.address_line1, self.address_line2, self.city, self.postcode) if part)


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


class BookingStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("booking status", "pending")
    CONFIRMED = "confirmed", pgettext_lazy("booking status", "confirmed")
    CANCELLED = "cancelled", pgettext_lazy("booking status", "cancelled")
    COMPLETED = "completed", pgettext_lazy("booking status", "completed")
    NO_SHOW = "no_show", pgettext_lazy("booking status", "no show")


class PaymentState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("booking payment status", "pending")
    PAID = "paid", pgettext_lazy("booking payment status", "paid")
    PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("booking payment status", "partially refunded")
    REFUNDED = "refunded", pgettext_lazy("booking payment status", "refunded")
    FAILED = "failed", pgettext_lazy("booking payment status", "failed")


class DiscountCode(TimeStampedModel):
    class Type(models.TextChoices):
        PERCENTAGE = "percentage", _("percentage")
        FIXED = "fixed", _("fixed amount")

    code = models.CharField(_("code"), max_length=50, unique=True, help_text=_("Stored in capitals."))
    description = models.TextField(_("description"), blank=True)
    discount_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    discount_value = models.DecimalField(_("value"), max_digits=10, decimal_places=2)
    min_purchase_amount = models.DecimalField(
        _("minimum purchase"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), help_text=_("The last day the code works, inclusive."))
    usage_limit = models.PositiveIntegerField(_("usage limit"), null=True, blank=True)
    times_used = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    course_type = models.ForeignKey(
        CourseType,
        verbose_name=_("only for course type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="discount_codes",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")
        ordering = ["-valid_until", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_type__in=["percentage", "fixed"]), name="bookings_discount_type_valid"
            ),
            models.CheckConstraint(condition=Q(discount_value__gt=0), name="bookings_discount_value_gt_0"),
            models.CheckConstraint(
                condition=~Q(discount_type="percentage") | Q(discount_value__lte=100),
                name="bookings_discount_percent_lte_100",
            ),
            models.CheckConstraint(
                condition=Q(min_purchase_amount__isnull=True) | Q(min_purchase_amount__gte=0),
                name="bookings_discount_min_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="bookings_discount_until_after_from"
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="bookings_discount_used_lte_limit",
            ),
        ]
        indexes = [models.Index(fields=["valid_from", "valid_until"], name="bookings_discount_valid_idx")]

    def __str__(self):
        return self.code

    def clean(self):
        super().clean()
        self.code = (self.code or "").strip().upper()
        if self.discount_type == self.Type.PERCENTAGE and self.discount_value and self.discount_value > 100:
            raise ValidationError({"discount_value": _("A percentage cannot be above 100.")})
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The code must end on or after the day it starts.")})

    def discount_on(self, amount: Decimal) -> Decimal:
        if self.discount_type == self.Type.PERCENTAGE:
            value = (amount * self.discount_value / 100).quantize(Decimal("0.01"))
        else:
            value = self.discount_value
        return min(value, amount)

    @property
    def uses_left(self):
        return None if self.usage_limit is None else max(self.usage_limit - self.times_used, 0)


class Booking(TimeStampedModel):
    """A customer's places on one session. Each place is an ``Attendee`` (the customer
    themselves, or named staff when a company books). ``status`` becomes confirmed only
    when the checkout says the order is paid."""

    Status = BookingStatus
    PaymentStatus = PaymentState

    reference = models.CharField(
        _("reference"), max_length=20, unique=True, default=new_booking_reference, editable=False
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="course_bookings"
    )
    session = models.ForeignKey(
        CourseSession, verbose_name=_("session"), on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    payment_status = models.CharField(
        _("payment"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    places = models.PositiveIntegerField(_("places"), default=1, validators=[MinValueValidator(1)])
    unit_price = money_field(_("price per place"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.GBP)
    discount_code = models.ForeignKey(
        DiscountCode,
        verbose_name=_("discount code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )
    discount_applied = money_field(_("discount"))
    amount = money_field(_("amount"))
    refunded_amount = money_field(_("refunded"))
    order = models.ForeignKey(
        "commerce.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="bookings_booking_status_valid"),
            models.CheckConstraint(
                condition=Q(payment_status__in=PaymentState.values), name="bookings_booking_payment_valid"
            ),
            models.CheckConstraint(condition=Q(places__gt=0), name="bookings_booking_places_gt_0"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="bookings_booking_amount_gte_0"),
            models.CheckConstraint(condition=Q(discount_applied__gte=0), name="bookings_booking_discount_gte_0"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="bookings_booking_refund_in_range",
            ),
            # The seed's rule 4: no confirmed (or later) booking without its payment.
            models.CheckConstraint(
                condition=~Q(status__in=["confirmed", "completed", "no_show"])
                | Q(payment_status__in=["paid", "partially_refunded", "refunded"]),
                name="bookings_booking_confirmed_is_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="bookings_booking_customer_idx"),
            models.Index(fields=["session", "status"], name="bookings_booking_session_idx"),
            models.Index(fields=["status", "payment_status"], name="bookings_booking_status_idx"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.CONFIRMED)

    def payment_status_after_refund(self) -> str:
        """``refunded`` once everything paid came back, ``partially refunded`` before."""
        if self.refunded_amount >= self.amount:
            return self.PaymentStatus.REFUNDED
        return self.PaymentStatus.PARTIALLY_REFUNDED if self.refunded_amount > 0 else self.payment_status


class Attendee(models.Model):
    """One place on a booking: who sits in the room and gets the certificate."""

    class Attendance(models.TextChoices):
        UNKNOWN = "unknown", _("not marked")
        PRESENT = "present", _("present")
        ABSENT = "absent", _("absent")

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(_("name"), max_length=255)
    email = models.EmailField(_("e-mail"), blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["booking", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attendance__in=["unknown", "present", "absent"]), name="bookings_attendee_attendance_valid"
            )
        ]

    def __str__(self):
        return self.name


class AttendeeDay(models.Model):
    """An attendee's attendance on one day of a session. ``Attendee.attendance`` sums
    them up: present once every day is marked present, absent once any day is absent."""

    attendee = models.ForeignKey(Attendee, verbose_name=_("attendee"), on_delete=models.CASCADE, related_name="days")
    day = models.ForeignKey(SessionDay, verbose_name=_("day"), on_delete=models.CASCADE, related_name="attendance")
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendee.Attendance.choices, default=Attendee.Attendance.UNKNOWN
    )
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attendance on a day")
        verbose_name_plural = _("attendance by day")
        ordering = ["attendee", "day__starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["attendee", "day"], name="bookings_attendee_day_unique"),
            models.CheckConstraint(
                condition=Q(attendance__in=["unknown", "present", "absent"]), name="bookings_attendee_day_valid"
            ),
        ]

    def __str__(self):
        return f"{self.attendee} · {self.day}"


class Certificate(TimeStampedModel):
    number = models.CharField(_("number"), max_length=30, unique=True, default=new_certificate_number, editable=False)
    attendee = models.OneToOneField(
        Attendee, verbose_name=_("attendee"), on_delete=models.PROTECT, related_name="certificate"
    )
    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="certificates")
    learner_name = models.CharField(_("learner"), max_length=255)
    learner_email = models.EmailField(_("e-mail"), blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    expiry_notice_sent_at = models.DateTimeField(_("expiry notice sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gte=F("issued_on")), name="bookings_cert_expiry_after_issue")
        ]
        indexes = [models.Index(fields=["expires_on"], name="bookings_cert_expires_idx")]

    def __str__(self):
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.expires_on >= timezone.localdate()


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


# Company invoices live in their own module; importing them here registers the model.
from .company import CompanyInvoice, InvoiceStatus  # noqa: E402, F401
