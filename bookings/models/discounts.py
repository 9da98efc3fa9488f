"""Discount codes: percentage or fixed, with a validity window and a usage limit."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skypark.core.models import TimeStampedModel

from .courses import CourseType


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
