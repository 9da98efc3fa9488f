"""Customer totals kept by the till (the Loyalty System seed's ``customers.total_spent``,
``total_transactions``, ``last_visit_at``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skypark.accounts.models import Merchant
from skypark.core.models import Currency

from ..models import money_field


class CustomerTotals(models.Model):
    """What one customer has spent, how many sales and when they last came: at one
    merchant (``merchant`` set) or across the network (``merchant`` empty), per currency
    (sales in different currencies are never added up). Moved by completed sales,
    refunds and voids in the same transaction (``loyalty.services.totals``), with UPDATEs
    that add to the columns, so concurrent sales never lose one."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="customer_totals",
        verbose_name=_("merchant"),
        help_text=_("Empty: across the network."),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KGS)
    total_spent = money_field(_("total spent"))
    transactions = models.IntegerField(_("transactions"), default=0)
    first_visit_at = models.DateTimeField(_("first visit"), null=True, blank=True)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer totals")
        verbose_name_plural = _("customer totals")
        ordering = ["-last_visit_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "merchant", "currency"],
                condition=Q(merchant__isnull=False),
                name="loyalty_totals_merchant_unique",
            ),
            models.UniqueConstraint(
                fields=["customer", "currency"],
                condition=Q(merchant__isnull=True),
                name="loyalty_totals_network_unique",
            ),
            models.CheckConstraint(condition=Q(transactions__gte=0), name="loyalty_totals_transactions_gte_0"),
        ]
        indexes = [models.Index(fields=["merchant", "-last_visit_at"], name="loyalty_totals_merchant_idx")]

    def __str__(self):
        return f"{self.customer_id} @ {self.merchant_id or '*'}: {self.total_spent} {self.currency}"
