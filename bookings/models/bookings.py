"""Bookings of places on a session, their statuses and payment states, and the attendees
who fill the places, with their attendance per day."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.core.models import Currency, TimeStampedModel
from skypark.core.references import human_reference

from .courses import money_field
from .discounts import DiscountCode
from .sessions import CourseSession, SessionDay


def new_booking_reference() -> str:
    return human_reference("RF", 8)


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
            # The analytical store's sync reads changed rows by (updated_at, id).
            models.Index(fields=["updated_at", "id"], name="bookings_booking_facts_idx"),
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
