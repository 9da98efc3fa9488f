"""Company bookings: a company books several named staff onto a session and pays by
invoice (bank transfer), as UK employers do for first-aid training. The booking is held
(pending, places taken) until the invoice's due date; staff record the payment in the
admin, which confirms the booking; an unpaid one is released by a sweep after the due
date (``bookings.services.invoices``)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.core.models import Currency, TimeStampedModel

from .models.bookings import Booking
from .models.courses import money_field

# GB123456789, GB123456789012 (branch), GBGD001 / GBHA599 (government, health);
# XI for Northern Ireland; an EU number is two letters and 2-12 characters.
VAT_RE = re.compile(r"^(GB|XI)(\d{9}|\d{12}|GD\d{3}|HA\d{3})$|^(?!GB|XI)[A-Z]{2}[0-9A-Z]{2,12}$")
PO_RE = re.compile(r"^[\w\-/.#]{1,40}$")


def vat_number_normalise(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_vat_number(value: str) -> None:
    if value and not VAT_RE.match(vat_number_normalise(value)):
        raise ValidationError(_("Enter a VAT number such as GB123456789."), code="vat_invalid")


def validate_purchase_order(value: str) -> None:
    if not PO_RE.match((value or "").strip()):
        raise ValidationError(
            _("Enter the purchase-order number: up to 40 letters, digits and - / . #."), code="po_invalid"
        )


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", pgettext_lazy("invoice status", "awaiting payment")
    PAID = "paid", pgettext_lazy("invoice status", "paid")
    CANCELLED = "cancelled", pgettext_lazy("invoice status", "cancelled")


def new_invoice_number() -> str:
    from skypark.core.references import human_reference

    return human_reference("INV", 8)


class CompanyInvoice(TimeStampedModel):
    """The invoice of one company booking. ``amount`` is the booking's order total when
    issued; ``due_date`` is the last day the transfer may arrive and the day the places
    stop being held."""

    Status = InvoiceStatus

    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="company_invoice"
    )
    number = models.CharField(_("invoice number"), max_length=20, unique=True, default=new_invoice_number)
    company_name = models.CharField(_("company"), max_length=200)
    company_address = models.TextField(_("invoice address"))
    purchase_order = models.CharField(_("purchase-order number"), max_length=40, validators=[validate_purchase_order])
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True, validators=[validate_vat_number])
    contact_email = models.EmailField(_("accounts e-mail"))
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.GBP)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, editable=False)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payment recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("company invoice")
        verbose_name_plural = _("company invoices")
        ordering = ["due_date", "pk"]
        permissions = [("mark_invoice_paid", _("Can record invoice payments"))]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="bookings_invoice_status_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bookings_invoice_amount_gt_0"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False), name="bookings_invoice_paid_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="bookings_invoice_cancelled_has_time",
            ),
            models.CheckConstraint(condition=~Q(purchase_order=""), name="bookings_invoice_po_required"),
        ]
        indexes = [
            models.Index(fields=["due_date"], condition=Q(status="issued"), name="bookings_invoice_open_due_idx"),
        ]

    def __str__(self):
        return self.number
