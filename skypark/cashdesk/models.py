"""Cash desks: a till at a park, a cashier's shift with its float, every movement of
money at the desk, and the fiscal receipt of each sale and refund.

The drawer's expected cash is the float plus cash sales, less cash refunds and pay-outs;
card-terminal payments are recorded (they go through the same checkout) but never
counted in the drawer. Closing a shift stores the count and the over/short
(``difference``: counted − expected; positive is over, negative short).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.commerce.models import ZERO, Order, Payment, Refund, money_field


class CashDesk(models.Model):
    code = models.CharField(_("code"), max_length=25, unique=True, help_text=_("Printed on receipts and ELQR codes."))
    name = models.CharField(_("name"), max_length=100)
    location = models.CharField(_("location"), max_length=200, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="KGS")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cash desk")
        verbose_name_plural = _("cash desks")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} · {self.name}"


class Shift(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("shift status", "open")
        CLOSED = "closed", pgettext_lazy("shift status", "closed")

    desk = models.ForeignKey(CashDesk, verbose_name=_("cash desk"), on_delete=models.PROTECT, related_name="shifts")
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cashier"), on_delete=models.PROTECT, related_name="shifts"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    float_amount = money_field(_("float"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    expected_cash = money_field(_("expected cash"), null=True, blank=True, default=None)
    counted_cash = money_field(_("counted cash"), null=True, blank=True, default=None)
    difference = money_field(_("over/short"), null=True, blank=True, default=None)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["desk"], condition=Q(status="open"), name="cashdesk_one_open_shift_per_desk"
            ),
            models.UniqueConstraint(
                fields=["cashier"], condition=Q(status="open"), name="cashdesk_one_open_shift_per_cashier"
            ),
            models.CheckConstraint(condition=Q(float_amount__gte=0), name="cashdesk_shift_float_gte_0"),
            models.CheckConstraint(
                condition=Q(status="open") | (Q(closed_at__isnull=False) & Q(counted_cash__isnull=False)),
                name="cashdesk_closed_shift_has_count",
            ),
        ]

    def __str__(self):
        return f"{self.desk.code} · {self.opened_at:%d.%m.%Y %H:%M}"


class Movement(models.Model):
    """One movement of money at the desk. Amounts are positive; ``kind`` says which way."""

    class Kind(models.TextChoices):
        CASH_SALE = "cash_sale", _("cash sale")
        CARD_SALE = "card_sale", _("card terminal sale")
        CASH_REFUND = "cash_refund", _("cash refund")
        CARD_REFUND = "card_refund", _("card terminal refund")
        PAYOUT = "payout", _("pay-out")

    DRAWER_IN = (Kind.CASH_SALE,)
    DRAWER_OUT = (Kind.CASH_REFUND, Kind.PAYOUT)

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, null=True, blank=True)
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, null=True, blank=True)
    refund = models.ForeignKey(Refund, verbose_name=_("refund"), on_delete=models.PROTECT, null=True, blank=True)
    reference = models.CharField(_("terminal slip / reference"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("desk movement")
        verbose_name_plural = _("desk movements")
        ordering = ["shift", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cashdesk_movement_amount_gt_0"),
            models.CheckConstraint(condition=~Q(kind="payout") | ~Q(reason=""), name="cashdesk_payout_has_reason"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def drawer_effect(self):
        if self.kind in self.DRAWER_IN:
            return self.amount
        if self.kind in self.DRAWER_OUT:
            return -self.amount
        return ZERO


class FiscalReceipt(models.Model):
    """What the fiscal service (Kyrgyzstan's online cash registers) answered for a sale
    or a refund: its fiscal document number and sign, and the register it went through."""

    movement = models.OneToOneField(
        Movement, verbose_name=_("movement"), on_delete=models.PROTECT, related_name="fiscal"
    )
    backend = models.CharField(_("fiscal service"), max_length=50)
    register_number = models.CharField(_("register number"), max_length=50)
    document_number = models.PositiveIntegerField(_("fiscal document number"))
    fiscal_sign = models.CharField(_("fiscal sign"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    data = models.JSONField(_("receipt data"), default=dict)

    class Meta:
        verbose_name = _("fiscal receipt")
        verbose_name_plural = _("fiscal receipts")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["backend", "register_number", "document_number"], name="cashdesk_fiscal_unique"
            ),
        ]

    def __str__(self):
        return f"{self.register_number}/{self.document_number}"
