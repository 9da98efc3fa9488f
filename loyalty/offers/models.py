"""The offer constructor's rows: a partner's ``Offer`` and each ``OfferApplication`` of it
to a sale at a till or an order at the platform's checkout.

An application is the one record of what an offer cost and who pays for it: the cost
(``cost``, in the offer's currency) and its split between the issuing partner, the
accepting partner (the one the offer names as co-funder, or where its cross-promo coupon
is spent) and the operator. The clearing ledger posts from these rows.

Only ``loyalty.offers.services`` writes these tables.
"""

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.accounts.models import Merchant
from skypark.core.models import Currency, TimeStampedModel

ZERO = Decimal("0.00")


def _money(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def _share(verbose_name, default):
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, default=Decimal(default))


class Offer(TimeStampedModel):
    """What a partner offers, on which conditions, until when and for how much.

    Lifecycle: ``draft`` (the partner edits it) → ``submitted`` → ``approved`` by coalition
    staff (or ``rejected``); ``paused`` and ``ended`` stop it. An offer that another
    partner co-funds (``partner_share`` > 0) can be approved only once that partner has
    accepted it. Live = approved, inside its validity, budget not used up."""

    class Kind(models.TextChoices):
        BONUS_POINTS = "bonus_points", pgettext_lazy("offer kind", "bonus points")
        MULTIPLIER = "multiplier", pgettext_lazy("offer kind", "points multiplier")
        PERCENT = "percent", pgettext_lazy("offer kind", "percent off")
        FIXED = "fixed", pgettext_lazy("offer kind", "amount off")
        FREE_ITEM = "free_item", pgettext_lazy("offer kind", "free item")
        CROSS_COUPON = "cross_coupon", pgettext_lazy("offer kind", "coupon for another partner")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("offer status", "draft")
        SUBMITTED = "submitted", pgettext_lazy("offer status", "waiting for approval")
        APPROVED = "approved", pgettext_lazy("offer status", "approved")
        REJECTED = "rejected", pgettext_lazy("offer status", "rejected")
        PAUSED = "paused", pgettext_lazy("offer status", "paused")
        ENDED = "ended", pgettext_lazy("offer status", "ended")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="offers", verbose_name=_("issuer"))
    partner = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers_accepted",
        verbose_name=_("accepting partner"),
        help_text=_("The partner that co-funds the offer, or where its coupon is spent."),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    value = models.DecimalField(
        _("value"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Points, multiplier, percent or amount, by kind; for a coupon, its value."),
    )
    coupon_kind = models.CharField(_("coupon kind"), max_length=10, default="fixed", blank=True)
    item_name = models.CharField(_("free item"), max_length=255, blank=True)
    item_value = _money(_("value of the free item"))
    coupon_valid_days = models.PositiveSmallIntegerField(_("coupon valid for, days"), default=30)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KGS)
    at_till = models.BooleanField(_("at the partner's till"), default=True)
    online = models.BooleanField(_("at the platform's checkout"), default=False)
    # Conditions.
    min_spend = _money(_("minimum spend"))
    categories = models.JSONField(_("categories"), default=list, blank=True, encoder=DjangoJSONEncoder)
    skus = models.JSONField(_("SKUs"), default=list, blank=True, encoder=DjangoJSONEncoder)
    weekdays = models.JSONField(
        _("days of the week"), default=list, blank=True, help_text=_("0 = Monday … 6 = Sunday; empty: every day.")
    )
    hour_from = models.PositiveSmallIntegerField(_("from hour"), null=True, blank=True)
    hour_to = models.PositiveSmallIntegerField(_("until hour"), null=True, blank=True)
    tiers = models.ManyToManyField("loyalty.Tier", blank=True, related_name="offers", verbose_name=_("tiers"))
    first_visit = models.BooleanField(_("first visit only"), default=False)
    segment = models.CharField(_("customer segment"), max_length=20, blank=True)
    segment_own = models.BooleanField(
        _("segment among the issuer's customers"),
        default=False,
        help_text=_("Otherwise the customer's segment in the whole network."),
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    # Budget and limits.
    budget_amount = _money(_("budget"), null=True, blank=True, default=None)
    budget_redemptions = models.PositiveIntegerField(_("applications allowed"), null=True, blank=True)
    spent_amount = _money(_("spent"))
    redemptions = models.PositiveIntegerField(_("applied"), default=0)
    per_customer_limit = models.PositiveIntegerField(_("per customer"), null=True, blank=True)
    priority = models.SmallIntegerField(_("priority"), default=0)
    stackable = models.BooleanField(_("stacks with other offers"), default=False)
    # Who pays, in percent of each application's cost (the operator keeps the remainder
    # of rounding, see ``loyalty.offers.rules.funding_split``).
    issuer_share = _share(_("issuer pays, %"), "100")
    partner_share = _share(_("accepting partner pays, %"), "0")
    operator_share = _share(_("operator pays, %"), "0")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    partner_accepted_at = models.DateTimeField(_("accepted by the partner at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.CharField(_("reason for rejection"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-priority", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="loyalty_offer_value_gte_0"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100), name="loyalty_offer_percent_lte_100"
            ),
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="loyalty_offer_window_ordered"),
            models.CheckConstraint(
                condition=Q(issuer_share__gte=0, partner_share__gte=0, operator_share__gte=0),
                name="loyalty_offer_shares_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(issuer_share=Value(Decimal("100")) - F("partner_share") - F("operator_share")),
                name="loyalty_offer_shares_sum_100",
            ),
            models.CheckConstraint(
                condition=Q(partner_share=0) | Q(partner__isnull=False), name="loyalty_offer_partner_funds_named"
            ),
            models.CheckConstraint(condition=~Q(partner=F("merchant")), name="loyalty_offer_partner_not_issuer"),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(spent_amount__lte=F("budget_amount")),
                name="loyalty_offer_budget_not_overspent",
            ),
            models.CheckConstraint(
                condition=Q(budget_redemptions__isnull=True) | Q(redemptions__lte=F("budget_redemptions")),
                name="loyalty_offer_redemptions_within_cap",
            ),
            models.CheckConstraint(condition=Q(spent_amount__gte=0), name="loyalty_offer_spent_gte_0"),
        ]
        indexes = [models.Index(fields=["status", "valid_until"], name="loyalty_offer_live_idx")]

    def __str__(self):
        return self.name

    @property
    def needs_acceptance(self) -> bool:
        return self.partner_share > 0 and self.partner_accepted_at is None

    @property
    def budget_left(self):
        return None if self.budget_amount is None else self.budget_amount - self.spent_amount


class OfferApplication(models.Model):
    """One application of an offer: to a till sale (``transaction``) or a platform order
    (``order``). ``cost`` = ``issuer_amount + partner_amount + operator_amount``, always
    (a database check). A reversal (the sale voided or refunded in full, the order
    cancelled, expired or refunded) marks the row ``reversed`` and gives the offer its
    budget back; the row stays."""

    class Status(models.TextChoices):
        APPLIED = "applied", pgettext_lazy("offer application status", "applied")
        REVERSED = "reversed", pgettext_lazy("offer application status", "reversed")

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="applications", verbose_name=_("offer"))
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offer_applications",
        verbose_name=_("where"),
        help_text=_("The partner whose till applied it; empty at the platform's checkout."),
    )
    transaction = models.ForeignKey(
        "loyalty.PosTransaction", on_delete=models.PROTECT, null=True, blank=True, related_name="offer_applications"
    )
    order = models.ForeignKey(
        "commerce.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="offer_applications"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    discount = _money(_("discount"))
    points = models.PositiveIntegerField(_("bonus points"), default=0)
    cost = _money(_("cost"))
    issuer_amount = _money(_("paid by the issuer"))
    partner_amount = _money(_("paid by the accepting partner"))
    operator_amount = _money(_("paid by the operator"))
    coupon = models.ForeignKey(
        "loyalty.Coupon", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("coupon")
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer application")
        verbose_name_plural = _("offer applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "transaction"], condition=Q(transaction__isnull=False), name="loyalty_offerapp_once_tx"
            ),
            models.UniqueConstraint(
                fields=["offer", "order"], condition=Q(order__isnull=False), name="loyalty_offerapp_once_order"
            ),
            models.CheckConstraint(
                condition=Q(transaction__isnull=False) | Q(order__isnull=False), name="loyalty_offerapp_has_sale"
            ),
            models.CheckConstraint(
                condition=Q(cost=F("issuer_amount") + F("partner_amount") + F("operator_amount")),
                name="loyalty_offerapp_split_sums_to_cost",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0, discount__gte=0, issuer_amount__gte=0, partner_amount__gte=0)
                & Q(operator_amount__gte=0),
                name="loyalty_offerapp_amounts_gte_0",
            ),
        ]
        indexes = [
            models.Index(fields=["offer", "customer", "status"], name="loyalty_offerapp_cust_idx"),
            models.Index(fields=["merchant", "-created_at"], name="loyalty_offerapp_merchant_idx"),
        ]

    def __str__(self):
        return f"{self.offer} · {self.cost} {self.currency}"
