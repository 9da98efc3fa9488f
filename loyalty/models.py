"""The loyalty network: tiers, accounts, the points ledger and its lots, merchant
programs, POS transactions, coupons, cross-promo chains, referrals, QR-scan log, fraud
flags, webhooks, CRM imports and daily aggregates.

The ledger (``LedgerEntry``) is the single source of truth: rows are only ever inserted.
``Account.balance`` is kept in step with the ledger inside the same transaction (the
account row is locked), and the database refuses a negative balance. Positive movements
create a ``PointLot`` with an expiry date and a ``remaining`` counter; spending takes
from lots first-expiring-first, and expiry removes only what is left of a lot, so at any
moment ``balance == sum(entries.points) == sum(lots.remaining)``.

Only services in ``loyalty.services`` write these tables.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.accounts.models import Merchant
from skypark.core.archiving import archive_model
from skypark.core.models import Currency, TimeStampedModel

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class Tier(models.Model):
    """A status level of a ladder: the coalition's (``merchant`` empty) or a merchant's
    own programme's. Which tier a customer holds follows from the ladder's *basis*
    (``loyalty.tier_basis`` for the coalition, ``MerchantProgram.tier_basis`` for a
    merchant): qualifying points — points earned (and bonuses, minus refund reversals) in
    the last ``loyalty.tier_window_months`` months, so spending points never demotes
    anyone — reaching ``min_points``, or spend in the same window reaching ``min_spend``.

    The benefits are data: the earning multiplier, the discount, the birthday bonus
    (empty: the network's ``loyalty.birthday_bonus``) and free services (a list of names
    shown to the customer and the till)."""

    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tiers",
        verbose_name=_("merchant"),
        help_text=_("Empty for the coalition's ladder; a merchant's own programme has its own."),
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    min_points = models.PositiveIntegerField(_("qualifying points from"))
    min_spend = money_field(_("qualifying spend from"), help_text=_("Used when the ladder counts spend."))
    multiplier = models.DecimalField(_("points multiplier"), max_digits=4, decimal_places=2, default=Decimal("1.00"))
    discount_percent = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2, default=ZERO)
    birthday_bonus = models.PositiveIntegerField(
        _("birthday bonus, points"), null=True, blank=True, help_text=_("Empty: the network's birthday bonus.")
    )
    free_services = models.JSONField(
        _("free services"), default=list, blank=True, help_text=_('A list of names, e.g. ["Parking", "Coffee"].')
    )
    colour = models.CharField(_("colour"), max_length=7, default="#999999", help_text=_("e.g. #CD7F32"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["merchant_id", "min_points"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(merchant__isnull=True), name="loyalty_tier_code_net"),
            models.UniqueConstraint(
                fields=["merchant", "code"], condition=Q(merchant__isnull=False), name="loyalty_tier_code_merchant"
            ),
            models.UniqueConstraint(
                fields=["min_points"], condition=Q(merchant__isnull=True), name="loyalty_tier_points_net"
            ),
            models.UniqueConstraint(
                fields=["merchant", "min_points"],
                condition=Q(merchant__isnull=False),
                name="loyalty_tier_points_merchant",
            ),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="loyalty_tier_min_spend_gte_0"),
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="loyalty_tier_multiplier_gt_0"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="loyalty_tier_discount_range"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.name


class TierBasis(models.TextChoices):
    POINTS = "points", _("points earned in the window")
    SPEND = "spend", _("spend in the window")


class MerchantProgram(TimeStampedModel):
    """How a merchant takes part in the network.

    ``mode=network`` (the default for a merchant without a row): purchases earn and spend
    the customer's shared coalition balance by the network rule. ``mode=own``: the merchant
    runs its own points program while it is active (``starts_on``..``ends_on``), and its
    customers earn and spend a per-merchant balance by the rules below."""

    class Mode(models.TextChoices):
        NETWORK = "network", _("coalition balance")
        OWN = "own", _("own program")

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="loyalty_program")
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.NETWORK)
    name = models.CharField(_("program name"), max_length=255, blank=True)
    points_per_unit = models.DecimalField(
        _("points per currency unit"), max_digits=8, decimal_places=4, default=Decimal("0.1000")
    )
    min_spend = money_field(_("minimum spend to earn"))
    redemption_rate = models.DecimalField(
        _("value of one point"), max_digits=8, decimal_places=4, default=Decimal("1.0000")
    )
    min_redeem_points = models.PositiveIntegerField(_("minimum points per redemption"), default=0)
    max_redeem_percent = models.DecimalField(
        _("largest share of a purchase payable with points (%)"), max_digits=5, decimal_places=2, default=Decimal("100")
    )
    expiry_months = models.PositiveSmallIntegerField(_("points expire after, months"), default=12)
    tier_basis = models.CharField(_("tiers count"), max_length=10, choices=TierBasis.choices, default=TierBasis.POINTS)
    starts_on = models.DateField(_("active from"), null=True, blank=True)
    ends_on = models.DateField(_("active until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("merchant program")
        verbose_name_plural = _("merchant programs")
        constraints = [
            models.CheckConstraint(condition=Q(points_per_unit__gte=0), name="loyalty_program_ppu_gte_0"),
            models.CheckConstraint(condition=Q(redemption_rate__gte=0), name="loyalty_program_rate_gte_0"),
            models.CheckConstraint(
                condition=Q(max_redeem_percent__gte=0, max_redeem_percent__lte=100),
                name="loyalty_program_max_redeem_range",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="loyalty_program_dates_ordered",
            ),
        ]

    def __str__(self):
        return self.name or str(self.merchant)

    def runs_own_on(self, day) -> bool:
        if self.mode != self.Mode.OWN or not self.is_active:
            return False
        return (self.starts_on is None or self.starts_on <= day) and (self.ends_on is None or day <= self.ends_on)


class Account(TimeStampedModel):
    """A points balance: the customer's coalition account (``merchant`` empty, one per
    customer) or their account in one merchant's own program."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loyalty_accounts", verbose_name=_("customer")
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loyalty_accounts",
        verbose_name=_("merchant"),
        help_text=_("Empty for the coalition balance shared by all partners."),
    )
    balance = models.IntegerField(_("balance"), default=0)
    lifetime_earned = models.PositiveIntegerField(_("earned in total"), default=0)
    lifetime_redeemed = models.PositiveIntegerField(_("redeemed in total"), default=0)
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts", verbose_name=_("tier")
    )
    tier_points = models.PositiveIntegerField(_("qualifying points"), default=0)
    tier_changed_at = models.DateTimeField(_("tier since"), null=True, blank=True)
    # Set when the account no longer qualifies for its tier: it keeps the tier until then
    # (``loyalty.tier_grace_days``); qualifying again clears it.
    tier_grace_until = models.DateTimeField(_("keeps the tier until"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    last_birthday_bonus_year = models.PositiveSmallIntegerField(_("birthday bonus given for"), null=True, blank=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="loyalty_account_balance_gte_0"),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(merchant__isnull=True), name="loyalty_account_one_coalition"
            ),
            models.UniqueConstraint(
                fields=["customer", "merchant"],
                condition=Q(merchant__isnull=False),
                name="loyalty_account_one_per_merchant",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "-id"], name="loyalty_account_merchant_idx")]

    def __str__(self):
        where = self.merchant.code if self.merchant_id else _("coalition")
        return f"{self.customer} · {where}"

    @property
    def is_coalition(self):
        return self.merchant_id is None


class LedgerEntry(models.Model):
    """One immutable movement of points. ``points`` is signed: positive for earned,
    bonus and positive adjustments or give-backs; negative for redeemed, expired,
    negative adjustments and refund reversals."""

    class Kind(models.TextChoices):
        EARNED = "earned", pgettext_lazy("points entry kind", "earned")
        REDEEMED = "redeemed", pgettext_lazy("points entry kind", "redeemed")
        EXPIRED = "expired", pgettext_lazy("points entry kind", "expired")
        ADJUSTED = "adjusted", pgettext_lazy("points entry kind", "adjusted")
        BONUS = "bonus", pgettext_lazy("points entry kind", "bonus")
        REVERSED = "reversed", pgettext_lazy("points entry kind", "reversed")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    multiplier = models.DecimalField(_("multiplier"), max_digits=4, decimal_places=2, default=Decimal("1.00"))
    source = models.CharField(_("source"), max_length=32)
    # Room for a partner's 100-character external id with the merchant and, on a refund,
    # the refunded total around it ("pos:<merchant>:<id>:<total>").
    reference = models.CharField(_("reference"), max_length=160, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("where"),
        help_text=_("The partner where the movement happened, if any."),
    )
    amount = money_field(_("purchase amount"))
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by (label)"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["earned", "redeemed", "expired", "adjusted", "bonus", "reversed"]),
                name="loyalty_entry_kind_valid",
            ),
            models.CheckConstraint(condition=~Q(points=0), name="loyalty_entry_points_nonzero"),
            models.CheckConstraint(
                condition=~Q(kind__in=["earned", "bonus"]) | Q(points__gt=0), name="loyalty_entry_earn_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["redeemed", "expired"]) | Q(points__lt=0), name="loyalty_entry_spend_negative"
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="loyalty_entry_balance_after_gte_0"),
            # What makes awards, redemptions and reversals idempotent per (source, reference).
            models.UniqueConstraint(
                fields=["account", "kind", "source", "reference"],
                condition=~Q(reference="") & ~Q(kind__in=["expired", "adjusted"]),
                name="loyalty_entry_once_per_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="loyalty_entry_account_idx"),
            models.Index(fields=["merchant", "created_at"], name="loyalty_entry_merchant_idx"),
            models.Index(fields=["source", "reference"], name="loyalty_entry_reference_idx"),
        ]

    def __str__(self):
        return f"{self.points:+d} {self.get_kind_display()} ({self.source} {self.reference})".strip()


class PointLot(models.Model):
    """Points that arrived together and expire together. ``remaining`` is what is left
    of them after spending and expiry. A lot on ``hold`` (a fraud flag under review)
    counts in the balance but cannot be spent until the flag is released
    (``loyalty.services.fraud``)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="lot")
    points = models.PositiveIntegerField(_("points"))
    remaining = models.PositiveIntegerField(_("remaining"))
    expires_at = models.DateTimeField(_("expires at"))
    hold = models.ForeignKey(
        "FraudFlag",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_lots",
        verbose_name=_("held for review"),
    )

    class Meta:
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
        ordering = ["expires_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(remaining__lte=F("points")), name="loyalty_lot_remaining_lte_points"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="loyalty_lot_remaining_gte_0"),
        ]
        indexes = [
            models.Index(
                fields=["account", "expires_at", "id"], condition=Q(remaining__gt=0), name="loyalty_lot_open_idx"
            ),
            models.Index(fields=["expires_at"], condition=Q(remaining__gt=0), name="loyalty_lot_expiry_idx"),
        ]

    def __str__(self):
        return f"{self.remaining}/{self.points} until {self.expires_at:%Y-%m-%d}"


class LotUse(models.Model):
    """How many points a negative entry took from which lot; what a give-back restores."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="lot_uses")
    lot = models.ForeignKey(PointLot, on_delete=models.PROTECT, related_name="uses")
    points = models.PositiveIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_lotuse_points_gt_0")]

    def __str__(self):
        return f"{self.points} from lot {self.lot_id}"


class TierChange(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    qualifying_points = models.PositiveIntegerField(_("qualifying points"))
    qualifying_spend = money_field(_("qualifying spend"))
    is_upgrade = models.BooleanField(_("upgrade"))
    # A downgrade that waited out the grace period (``Account.tier_grace_until``).
    after_grace = models.BooleanField(_("after the grace period"), default=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.from_tier} → {self.to_tier}"


class PosTransaction(TimeStampedModel):
    """A purchase a partner's till reported. ``external_id`` is the partner's own id and
    is unique per merchant and mode: a retry returns the first row and changes nothing.

    ``is_test``: recorded with a test API key (``loyalty.services.modes``). A test
    transaction has no ledger entry and no points account, counts in no balance, tier,
    analytics fact or statistic, and is what settlement leaves out."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("purchase status", "pending")
        COMPLETED = "completed", pgettext_lazy("purchase status", "completed")
        FAILED = "failed", pgettext_lazy("purchase status", "failed")
        CANCELLED = "cancelled", pgettext_lazy("purchase status", "cancelled")
        PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("purchase status", "partially refunded")
        REFUNDED = "refunded", pgettext_lazy("purchase status", "refunded")
        VOIDED = "voided", pgettext_lazy("purchase status", "voided")

    class Source(models.TextChoices):
        POS = "pos", _("POS")
        IMPORT = "import", _("CRM import")

    class PaymentMethod(models.TextChoices):
        CASH = "cash", pgettext_lazy("payment method", "cash")
        CARD = "card", pgettext_lazy("payment method", "card")
        QR = "qr", pgettext_lazy("payment method", "QR payment")
        TRANSFER = "transfer", pgettext_lazy("payment method", "bank transfer")
        WALLET = "wallet", pgettext_lazy("payment method", "e-wallet")
        OTHER = "other", pgettext_lazy("payment method", "other")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="pos_transactions")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pos_transactions", verbose_name=_("customer")
    )
    # Empty only on a test transaction, which touches no account.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="transactions", null=True, blank=True)
    is_test = models.BooleanField(_("test"), default=False, editable=False)
    external_id = models.CharField(_("external id"), max_length=100)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    # SHA-256 of the canonical request: a retry must send the same sale to get its answer.
    request_hash = models.CharField(_("request fingerprint"), max_length=64, blank=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.POS)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.COMPLETED)
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.OTHER
    )
    # The partner's name for the till (terminal) that rang the sale up; the fraud rules
    # count per till.
    till_id = models.CharField(_("till"), max_length=64, blank=True)
    # Keyed hashes (``loyalty.services.fraud.fingerprint``) of the device and the payment
    # card the till saw, never the values: enough to tell that two sales share one.
    device_hash = models.CharField(_("device (hashed)"), max_length=32, blank=True, editable=False)
    card_hash = models.CharField(_("payment card (hashed)"), max_length=32, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KGS)
    amount = money_field(_("amount"))
    discount = money_field(_("discount"))
    refunded_amount = money_field(_("refunded"))
    points_earned = models.PositiveIntegerField(_("points earned"), default=0)
    points_redeemed = models.PositiveIntegerField(_("points redeemed"), default=0)
    coupon_code = models.CharField(_("coupon"), max_length=32, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    metadata = models.JSONField(_("metadata"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("POS transaction")
        verbose_name_plural = _("POS transactions")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # A test key's ids never collide with the live ones, nor the other way round.
            models.UniqueConstraint(fields=["merchant", "is_test", "external_id"], name="loyalty_tx_external_unique"),
            models.UniqueConstraint(
                fields=["merchant", "is_test", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="loyalty_tx_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_test=True) | Q(account__isnull=False), name="loyalty_tx_live_has_account"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="loyalty_tx_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("amount")), name="loyalty_tx_refund_range"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-occurred_at"], name="loyalty_tx_merchant_idx"),
            models.Index(fields=["customer", "-occurred_at"], name="loyalty_tx_customer_idx"),
            # Partners' incremental sync: ?updated_since= within their merchant.
            models.Index(fields=["merchant", "updated_at"], name="loyalty_tx_synced_idx"),
            # The analytical store's sync: live rows by the watermark (changed, id).
            models.Index(fields=["updated_at", "id"], condition=Q(is_test=False), name="loyalty_tx_facts_idx"),
            models.Index(
                fields=["merchant", "till_id", "-occurred_at"],
                condition=~Q(till_id=""),
                name="loyalty_tx_till_idx",
            ),
            models.Index(
                fields=["device_hash", "-occurred_at"], condition=~Q(device_hash=""), name="loyalty_tx_device_idx"
            ),
            models.Index(fields=["card_hash", "-occurred_at"], condition=~Q(card_hash=""), name="loyalty_tx_card_idx"),
        ]

    def __str__(self):
        return f"{self.merchant.code}:{self.external_id}"

    @property
    def amount_due(self) -> Decimal:
        """What the customer paid after loyalty discounts."""
        return max(self.amount - self.discount, Decimal("0.00"))


class PosTransactionLine(models.Model):
    transaction = models.ForeignKey(PosTransaction, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=255)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3, default=Decimal("1"))
    unit_price = money_field(_("unit price"))
    total = money_field(_("total"))

    class Meta:
        ordering = ["transaction", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="loyalty_txline_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="loyalty_txline_price_gte_0"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.name}"


class CrossPromo(TimeStampedModel):
    """A chain: a purchase at ``source_merchant`` of at least ``min_purchase`` issues the
    customer a personal coupon for ``target_merchant``; redeeming it counts a conversion."""

    name = models.CharField(_("name"), max_length=255)
    source_merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="promos_out")
    target_merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="promos_in")
    min_purchase = money_field(_("minimum purchase"))
    coupon_kind = models.CharField(_("coupon kind"), max_length=10, default="percent")
    coupon_value = money_field(_("coupon value"))
    coupon_item = models.CharField(_("free item"), max_length=255, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("coupon valid for, days"), default=30)
    is_active = models.BooleanField(_("active"), default=True)
    issued_count = models.PositiveIntegerField(_("coupons issued"), default=0)
    converted_count = models.PositiveIntegerField(_("conversions"), default=0)

    class Meta:
        verbose_name = _("cross-promo chain")
        verbose_name_plural = _("cross-promo chains")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source_merchant=F("target_merchant")), name="loyalty_promo_distinct_merchants"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def conversion_rate(self):
        return round(100 * self.converted_count / self.issued_count, 1) if self.issued_count else 0


class Coupon(TimeStampedModel):
    class Kind(models.TextChoices):
        PERCENT = "percent", _("percent off")
        FIXED = "fixed", _("fixed amount off")
        FREE_ITEM = "free_item", _("free item")

    code = models.CharField(_("code"), max_length=32, unique=True)
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coupons",
        help_text=_("Empty: valid at every partner."),
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coupons",
        help_text=_("Empty: a public coupon anyone may use."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    value = money_field(_("value"))
    item_name = models.CharField(_("free item"), max_length=255, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    min_purchase = money_field(_("minimum purchase"))
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(_("uses allowed"), null=True, blank=True)
    max_uses_per_customer = models.PositiveIntegerField(_("uses per customer"), default=1)
    uses_count = models.PositiveIntegerField(_("used"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    promo = models.ForeignKey(CrossPromo, on_delete=models.SET_NULL, null=True, blank=True, related_name="coupons")

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses_count__lte=F("max_uses")),
                name="loyalty_coupon_uses_within_limit",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="loyalty_coupon_value_gte_0"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100), name="loyalty_coupon_percent_lte_100"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="loyalty_coupon_window_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="loyalty_coupon_customer_idx"),
            # The analytical store's sync of cross-promo triggers, by (updated_at, id).
            models.Index(
                fields=["updated_at", "id"],
                condition=Q(promo__isnull=False, customer__isnull=False),
                name="loyalty_coupon_facts_idx",
            ),
        ]

    def __str__(self):
        return self.code

    def clean(self):
        super().clean()
        self.code = str(self.code or "").strip().upper().replace(" ", "").replace("-", "")

    def discount_on(self, amount: Decimal) -> Decimal:
        if self.kind == self.Kind.PERCENT:
            return (amount * self.value / 100).quantize(Decimal("0.01"))
        if self.kind == self.Kind.FIXED:
            return min(self.value, amount)
        return ZERO


class CouponRedemption(models.Model):
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="coupon_redemptions")
    # Made with a test API key: not counted in the coupon's uses (``loyalty.services.modes``).
    is_test = models.BooleanField(_("test"), default=False, editable=False)
    transaction = models.ForeignKey(
        PosTransaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="coupon_redemptions"
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    amount = money_field(_("purchase amount"))
    discount = money_field(_("discount"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["coupon", "merchant", "is_test", "reference"],
                condition=~Q(reference=""),
                name="loyalty_coupon_redemption_once_per_reference",
            )
        ]
        indexes = [
            models.Index(fields=["coupon", "customer"], name="loyalty_coupon_red_cust_idx"),
            # The analytical store's sync of cross-promo conversions, by (created_at, id).
            models.Index(fields=["created_at", "id"], condition=Q(is_test=False), name="loyalty_redemption_facts_idx"),
        ]

    def __str__(self):
        return f"{self.coupon} · {self.customer}"


class ReferralCode(models.Model):
    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_code")
    code = models.CharField(_("code"), max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("referral code")
        verbose_name_plural = _("referral codes")

    def __str__(self):
        return self.code


class Referral(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the first purchase")
        REWARDED = "rewarded", _("rewarded")

    referrer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referrals_made")
    referred = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referred_by")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The invited customer's first purchase: the bonuses are due from then, and are
    # credited once both customers have confirmed their phones.
    purchased_at = models.DateTimeField(_("first purchase at"), null=True, blank=True)
    rewarded_at = models.DateTimeField(_("rewarded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(referrer=F("referred")), name="loyalty_referral_not_self")]

    def __str__(self):
        return f"{self.referrer} → {self.referred}"


class ScanLog(models.Model):
    class Result(models.TextChoices):
        FOUND = "found", pgettext_lazy("QR scan result", "found")
        FORGED = "forged", pgettext_lazy("QR scan result", "forged")
        EXPIRED = "expired", pgettext_lazy("QR scan result", "expired")
        UNKNOWN = "unknown", pgettext_lazy("QR scan result", "unknown")
        REFUSED = "refused", pgettext_lazy("QR scan result", "refused")

    class CodeKind(models.TextChoices):
        ROTATING = "rotating", pgettext_lazy("card code kind", "rotating")
        STATIC = "static", pgettext_lazy("card code kind", "static")
        EXPIRED = "expired", pgettext_lazy("card code kind", "expired")
        FORGED = "forged", pgettext_lazy("card code kind", "forged")

    class Entry(models.TextChoices):
        SCAN = "scan", pgettext_lazy("card code entry", "scanned")
        MANUAL = "manual", pgettext_lazy("card code entry", "typed by hand")

    class Action(models.TextChoices):
        LOOKUP = "lookup", pgettext_lazy("card scan action", "lookup")
        SALE = "sale", pgettext_lazy("card scan action", "sale")
        POINTS_REDEEM = "points_redeem", pgettext_lazy("card scan action", "points spent")
        COUPON_VALIDATE = "coupon_validate", pgettext_lazy("card scan action", "coupon check")
        COUPON_REDEEM = "coupon_redeem", pgettext_lazy("card scan action", "coupon redeemed")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="scans")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payload = models.CharField(_("scanned"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    ip_address = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    code_kind = models.CharField(_("kind of code"), max_length=10, choices=CodeKind.choices, blank=True)
    entry = models.CharField(_("entry"), max_length=10, choices=Entry.choices, default=Entry.SCAN)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, default=Action.LOOKUP)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    # Sent with a test API key: kept as a record of the call, but the fraud rules skip it.
    is_test = models.BooleanField(_("test"), default=False, editable=False)

    class Meta:
        verbose_name = _("QR scan")
        verbose_name_plural = _("QR scans")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="loyalty_scan_customer_idx")]

    def __str__(self):
        return f"{self.merchant} · {self.get_result_display()}"


def new_card_secret() -> str:
    return secrets.token_hex(20)


class Card(models.Model):
    """The customer's personal card: the secret its rotating code is derived from
    (``loyalty.card_codes``). Replacing the secret invalidates every code shown so far."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="loyalty_card"
    )
    secret = models.CharField(_("secret"), max_length=64, default=new_card_secret, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("secret replaced"), null=True, blank=True)

    class Meta:
        verbose_name = _("loyalty card")
        verbose_name_plural = _("loyalty cards")

    def __str__(self):
        return str(self.customer_id)


class FraudFlag(models.Model):
    """A suspicion for network staff to review. A flag raised by a sale may hold the
    points that sale earned (``PointLot.hold``): dismissing the flag releases them,
    confirming it takes them back (``loyalty.services.fraud``)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("fraud flag status", "to review")
        CONFIRMED = "confirmed", pgettext_lazy("fraud flag status", "confirmed")
        DISMISSED = "dismissed", pgettext_lazy("fraud flag status", "dismissed")

    class Rule(models.TextChoices):
        SCAN_BURST = "scan_burst", _("card scanned at many partners")
        MANUAL_ENTRY = "manual_entry", _("card codes typed by hand")
        CUSTOMER_VELOCITY = "customer_velocity", _("customer earning too fast")
        TILL_VELOCITY = "till_velocity", _("till issuing too fast")
        REFUND_ABUSE = "refund_abuse", _("many refunds")
        SHARED_DEVICE = "shared_device", _("many accounts on one device")
        SHARED_CARD = "shared_card", _("many accounts on one payment card")
        REDEEM_AFTER_EARN = "redeem_after_earn", _("spent right after earning at the same till")

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey(
        Merchant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("merchant")
    )
    transaction = models.ForeignKey(
        "PosTransaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fraud_flags",
        verbose_name=_("transaction"),
    )
    held_points = models.PositiveIntegerField(_("points held"), default=0)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=255, blank=True)
    rule = models.CharField(_("rule"), max_length=40, choices=Rule.choices)
    details = models.JSONField(_("details"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    window_key = models.CharField(max_length=60, help_text=_("Stops one burst raising many flags."))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fraud flag")
        verbose_name_plural = _("fraud flags")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="loyalty_fraud_queue_idx")]
        constraints = [
            models.UniqueConstraint(fields=["customer", "rule", "window_key"], name="loyalty_fraud_once_per_window")
        ]

    def __str__(self):
        return f"{self.rule} · {self.customer}"


class ImportBatch(TimeStampedModel):
    """A batch of transactions pushed from a partner's CRM. Each row is imported on its
    own, all-or-nothing (its transaction, lines and points together), and idempotently
    by ``external_id``; rows that fail are listed in ``errors`` with their index."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("import status", "queued")
        RUNNING = "running", pgettext_lazy("import status", "running")
        DONE = "done", pgettext_lazy("import status", "done")
        FAILED = "failed", pgettext_lazy("import status", "failed")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="import_batches")
    # Submitted with a test API key: its rows become test transactions.
    is_test = models.BooleanField(_("test"), default=False, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(_("source"), max_length=10, default="api")
    rows = models.JSONField(_("rows"), default=list, encoder=DjangoJSONEncoder)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("imported"), default=0)
    duplicate_count = models.PositiveIntegerField(_("already there"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True, encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("CRM import")
        verbose_name_plural = _("CRM imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "updated_at"], name="loyalty_import_synced_idx")]

    def __str__(self):
        return f"#{self.pk} {self.merchant} ({self.get_status_display()})"

    @property
    def progress_percent(self):
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 100


class MerchantDailyStats(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="daily_stats")
    date = models.DateField(_("date"))
    sales = money_field(_("sales"))
    transactions = models.PositiveIntegerField(_("transactions"), default=0)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    new_customers = models.PositiveIntegerField(_("new customers"), default=0)
    points_issued = models.PositiveIntegerField(_("points issued"), default=0)
    points_redeemed = models.PositiveIntegerField(_("points redeemed"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("merchant daily figures")
        verbose_name_plural = _("merchant daily figures")
        ordering = ["-date", "merchant"]
        constraints = [models.UniqueConstraint(fields=["merchant", "date"], name="loyalty_daily_stats_unique")]

    def __str__(self):
        return f"{self.merchant} · {self.date}"


class CustomerVisit(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="customer_visits")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    transactions = models.PositiveIntegerField(_("transactions"), default=0)
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("customer visit")
        verbose_name_plural = _("customer visits")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "customer", "date"], name="loyalty_customer_visit_unique")
        ]

    def __str__(self):
        return f"{self.customer} @ {self.merchant} · {self.date}"


ScanLogArchive = archive_model(
    ScanLog,
    name="ScanLogArchive",
    verbose_name=_("archived scan"),
    verbose_name_plural=_("scan log archive"),
    label_fields=("result", "action"),
    indexes=[
        models.Index(fields=["created_at"], name="loyalty_scan_archive_at_idx"),
        models.Index(fields=["customer_id", "created_at"], name="loyalty_scan_archive_cust_idx"),
    ],
)

# The till's own models, kept apart for size; importable from here like the rest.
from .offers.models import Offer, OfferApplication  # noqa: E402,F401  (models of the offer constructor)
from .till.models import CustomerTotals  # noqa: E402, F401
