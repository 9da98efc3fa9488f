"""The catalogue: course types and courses, with the money field every priced model uses."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skypark.core.models import Currency, TimeStampedModel

ZERO = Decimal("0.00")


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
