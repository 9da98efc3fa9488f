"""Clearing between the partners of a coalition.

``Coalition`` holds the settlement currency and the period length; ``ClearingRule`` and
``FundingRule`` are its effective-dated economics. ``JournalEntry`` + ``Posting`` are a
double-entry journal: every entry's postings sum to zero per currency (a deferred
constraint trigger on PostgreSQL, migration 0002; ``services.journal`` checks the same on
every database). A party is a partner (``Posting.merchant``) or the coalition's operator
(``merchant`` empty). ``SettlementPeriod`` collects the entries of a week or a month when
it closes; ``Statement`` is one party's view of a closed period with a ``StatementLine``
per posting, and ``StatementPayment`` the money that settled it.

Only ``loyalty.clearing.services`` writes these tables.
"""

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.accounts.models import Merchant
from skypark.core.models import Currency, TimeStampedModel

ZERO = Decimal("0.00")


def amount_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def rate_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=4, **kwargs)


class Coalition(TimeStampedModel):
    class Period(models.TextChoices):
        WEEKLY = "weekly", pgettext_lazy("settlement period", "weekly")
        MONTHLY = "monthly", pgettext_lazy("settlement period", "monthly")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    currency = models.CharField(_("settlement currency"), max_length=3, choices=Currency.choices, default=Currency.KGS)
    period = models.CharField(_("settlement period"), max_length=10, choices=Period.choices, default=Period.MONTHLY)
    starts_on = models.DateField(_("first period starts on"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("coalition")
        verbose_name_plural = _("coalitions")
        ordering = ["name"]
        constraints = [
            # One coalition clears the network's points at a time.
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="clearing_one_active")
        ]

    def __str__(self):
        return self.name


class FundingSplit(models.TextChoices):
    ISSUER = "issuer", pgettext_lazy("who funds", "issuer")
    ACCEPTOR = "acceptor", pgettext_lazy("who funds", "acceptor")
    OPERATOR = "operator", pgettext_lazy("who funds", "operator")
    SPLIT = "split", pgettext_lazy("who funds", "split")


class BreakageOwner(models.TextChoices):
    OPERATOR = "operator", pgettext_lazy("breakage owner", "operator")
    ISSUER = "issuer", pgettext_lazy("breakage owner", "issuer")


def _shares_constraint(prefix):
    return models.CheckConstraint(
        condition=Q(issuer_percent__gte=0, acceptor_percent__gte=0, operator_percent__gte=0)
        & Q(
            issuer_percent=Decimal("100") - F("acceptor_percent") - F("operator_percent"),
        ),
        name=f"{prefix}_shares_sum_100",
    )


class ClearingRule(TimeStampedModel):
    """The coalition's economics from ``effective_from`` until the next rule: for one
    partner (``merchant``) or, with ``merchant`` empty, for every partner without its own.
    A movement is cleared by the rule in force at its time, so changing a price never
    rewrites what was already posted."""

    coalition = models.ForeignKey(Coalition, on_delete=models.PROTECT, related_name="rules")
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clearing_rules",
        verbose_name=_("partner"),
        help_text=_("Empty: the default for every partner."),
    )
    effective_from = models.DateTimeField(_("effective from"))
    price_per_point = rate_field(_("price per point issued"), help_text=_("What the issuing partner pays per point."))
    value_per_point = rate_field(
        _("value per point redeemed"), help_text=_("What the partner where points are spent receives per point.")
    )
    fee_percent = models.DecimalField(
        _("operator fee (per cent of the issue price)"), max_digits=5, decimal_places=2, default=ZERO
    )
    breakage_owner = models.CharField(
        _("expired points go to"), max_length=10, choices=BreakageOwner.choices, default=BreakageOwner.OPERATOR
    )
    coupon_funding = models.CharField(
        _("coupons are funded by"), max_length=10, choices=FundingSplit.choices, default=FundingSplit.ISSUER
    )
    issuer_percent = models.DecimalField(_("issuer's share, %"), max_digits=5, decimal_places=2, default=Decimal(100))
    acceptor_percent = models.DecimalField(_("acceptor's share, %"), max_digits=5, decimal_places=2, default=ZERO)
    operator_percent = models.DecimalField(_("operator's share, %"), max_digits=5, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("clearing rule")
        verbose_name_plural = _("clearing rules")
        ordering = ["coalition", "merchant", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_per_point__gte=0, value_per_point__gte=0), name="clearing_rule_rates_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(fee_percent__gte=0, fee_percent__lte=100), name="clearing_rule_fee_range"
            ),
            _shares_constraint("clearing_rule"),
            models.UniqueConstraint(
                fields=["coalition", "merchant", "effective_from"], name="clearing_rule_one_per_moment"
            ),
            models.UniqueConstraint(
                fields=["coalition", "effective_from"],
                condition=Q(merchant__isnull=True),
                name="clearing_rule_default_one_per_moment",
            ),
        ]

    def __str__(self):
        who = self.merchant or _("every partner")
        return f"{who} · {self.effective_from:%Y-%m-%d}"


class FundingRule(TimeStampedModel):
    """Who funds the discount of one cross-promo chain's coupons or of one coupon, from
    ``effective_from``; a coupon without one is funded as its ``ClearingRule`` says."""

    coalition = models.ForeignKey(Coalition, on_delete=models.PROTECT, related_name="funding_rules")
    promo = models.ForeignKey(
        "loyalty.CrossPromo", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("chain")
    )
    coupon = models.ForeignKey(
        "loyalty.Coupon", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("coupon")
    )
    effective_from = models.DateTimeField(_("effective from"))
    funding = models.CharField(_("funded by"), max_length=10, choices=FundingSplit.choices)
    issuer_percent = models.DecimalField(_("issuer's share, %"), max_digits=5, decimal_places=2, default=Decimal(100))
    acceptor_percent = models.DecimalField(_("acceptor's share, %"), max_digits=5, decimal_places=2, default=ZERO)
    operator_percent = models.DecimalField(_("operator's share, %"), max_digits=5, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("coupon funding rule")
        verbose_name_plural = _("coupon funding rules")
        ordering = ["coalition", "-effective_from"]
        constraints = [
            _shares_constraint("clearing_funding"),
            models.CheckConstraint(
                condition=Q(promo__isnull=False, coupon__isnull=True) | Q(promo__isnull=True, coupon__isnull=False),
                name="clearing_funding_promo_or_coupon",
            ),
        ]

    def __str__(self):
        return f"{self.promo or self.coupon} · {self.get_funding_display()}"


class SettlementPeriod(models.Model):
    class Status(models.TextChoices):
        CLOSED = "closed", pgettext_lazy("settlement period status", "closed")
        APPROVED = "approved", pgettext_lazy("settlement period status", "approved")

    coalition = models.ForeignKey(Coalition, on_delete=models.PROTECT, related_name="periods")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CLOSED)
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    entries_count = models.PositiveIntegerField(_("journal entries"), default=0)

    class Meta:
        verbose_name = _("settlement period")
        verbose_name_plural = _("settlement periods")
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["coalition", "starts_at"], name="clearing_period_once"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="clearing_period_ordered"),
        ]

    def __str__(self):
        return f"{self.coalition} · {self.starts_at:%Y-%m-%d}"


class JournalEntry(models.Model):
    class Kind(models.TextChoices):
        EARN = "earn", pgettext_lazy("clearing entry kind", "points issued")
        REDEEM = "redeem", pgettext_lazy("clearing entry kind", "points redeemed")
        EXPIRE = "expire", pgettext_lazy("clearing entry kind", "points expired")
        ADJUST = "adjust", pgettext_lazy("clearing entry kind", "points adjusted")
        REVERSE = "reverse", pgettext_lazy("clearing entry kind", "reversal")
        COUPON = "coupon", pgettext_lazy("clearing entry kind", "coupon redeemed")
        OFFER = "offer", pgettext_lazy("clearing entry kind", "offer applied")
        PAYMENT = "payment", pgettext_lazy("clearing entry kind", "payment")

    coalition = models.ForeignKey(Coalition, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The movement it clears: a points ledger entry, a coupon redemption, or a reference
    # of the caller's (offers, payments).
    ledger_entry = models.OneToOneField(
        "loyalty.LedgerEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="clearing_entry"
    )
    coupon_redemption = models.OneToOneField(
        "loyalty.CouponRedemption", on_delete=models.PROTECT, null=True, blank=True, related_name="clearing_entry"
    )
    reference = models.CharField(_("reference"), max_length=160, blank=True)
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals", verbose_name=_("reverses")
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("where")
    )
    points = models.IntegerField(_("points"), default=0)
    rule = models.ForeignKey(ClearingRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(_("at"), db_index=True)
    period = models.ForeignKey(
        SettlementPeriod, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    # Landed in a later period than the movement it belongs to: a reversal of an entry
    # of a closed period, or a movement committed after its period closed.
    is_adjustment = models.BooleanField(_("adjustment"), default=False)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["coalition", "kind", "reference"],
                condition=Q(ledger_entry__isnull=True, coupon_redemption__isnull=True) & ~Q(reference=""),
                name="clearing_entry_once_per_reference",
            )
        ]
        indexes = [
            models.Index(
                fields=["coalition", "occurred_at"], condition=Q(period__isnull=True), name="clearing_entry_open_idx"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.reference}".strip()


class Posting(models.Model):
    """One leg of a journal entry: ``amount`` is what the party is owed by the coalition
    (positive) or owes it (negative) because of the entry."""

    class Role(models.TextChoices):
        ISSUED = "issued", pgettext_lazy("clearing role", "points issued")
        FEE = "fee", pgettext_lazy("clearing role", "operator fee")
        LIABILITY = "liability", pgettext_lazy("clearing role", "points liability")
        SPREAD = "spread", pgettext_lazy("clearing role", "operator margin")
        REDEEMED = "redeemed", pgettext_lazy("clearing role", "points redeemed")
        BREAKAGE = "breakage", pgettext_lazy("clearing role", "breakage")
        FUNDED = "funded", pgettext_lazy("clearing role", "coupons and offers funded")
        RECEIVED = "received", pgettext_lazy("clearing role", "coupons and offers received")
        PAYMENT = "payment", pgettext_lazy("clearing role", "payment")

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="postings")
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clearing_postings",
        verbose_name=_("party"),
        help_text=_("Empty: the coalition's operator."),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    amount = amount_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    points = models.IntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["entry", "id"]
        indexes = [models.Index(fields=["merchant", "entry"], name="clearing_posting_party_idx")]

    def __str__(self):
        return f"{self.merchant or _('operator')} {self.amount:+} {self.currency}"


class Statement(TimeStampedModel):
    """One party's position for one closed period. The totals are the sums of its lines
    by role; ``closing_balance = opening_balance + net`` and the next period opens with
    it, so what is not paid carries forward."""

    class Status(models.TextChoices):
        REVIEW = "review", pgettext_lazy("statement status", "to review")
        APPROVED = "approved", pgettext_lazy("statement status", "approved")
        PAID = "paid", pgettext_lazy("statement status", "settled")

    period = models.ForeignKey(SettlementPeriod, on_delete=models.PROTECT, related_name="statements")
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clearing_statements",
        verbose_name=_("partner"),
        help_text=_("Empty: the operator's own statement."),
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REVIEW)
    opening_balance = amount_field(_("opening balance"))
    issued_points = models.IntegerField(_("points issued"), default=0)
    issued_amount = amount_field(_("points issued, amount"))
    redeemed_here_points = models.IntegerField(_("points redeemed here"), default=0)
    redeemed_here_amount = amount_field(_("points redeemed here, amount"))
    redeemed_elsewhere_points = models.IntegerField(_("own points redeemed elsewhere"), default=0)
    coupons_funded = amount_field(_("coupons and offers funded"))
    coupons_received = amount_field(_("coupons and offers received"))
    fees = amount_field(_("fees"))
    breakage = amount_field(_("breakage"))
    other = amount_field(_("liability and margin"))
    payments = amount_field(_("payments"))
    adjustments = amount_field(_("of which adjustments"))
    net = amount_field(_("net position"))
    closing_balance = amount_field(_("closing balance"))
    paid_amount = amount_field(_("paid against it"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement statement")
        verbose_name_plural = _("settlement statements")
        ordering = ["-period__starts_at", "merchant__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "merchant"], condition=Q(merchant__isnull=False), name="clearing_statement_once"
            ),
            models.UniqueConstraint(
                fields=["period"], condition=Q(merchant__isnull=True), name="clearing_statement_operator_once"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def party_name(self):
        return str(self.merchant) if self.merchant_id else str(_("Operator"))

    @property
    def outstanding(self) -> Decimal:
        """What is still to pay on this statement: towards zero from its closing balance."""
        if self.closing_balance < 0:
            return min(ZERO, self.closing_balance + self.paid_amount)
        return max(ZERO, self.closing_balance - self.paid_amount)


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="statement_line")
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=JournalEntry.Kind.choices)
    role = models.CharField(_("role"), max_length=10, choices=Posting.Role.choices)
    occurred_at = models.DateTimeField(_("at"))
    reference = models.CharField(_("reference"), max_length=160, blank=True)
    points = models.IntegerField(_("points"), default=0)
    amount = amount_field(_("amount"))
    is_adjustment = models.BooleanField(_("adjustment"), default=False)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "occurred_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount:+}"


class StatementPayment(models.Model):
    """Money that settled (part of) a statement: from the partner to the operator when the
    partner owed, the other way when it was owed."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="payment_rows")
    amount = amount_field(_("amount"))
    reference = models.CharField(_("payment reference"), max_length=100)
    paid_on = models.DateField(_("paid on"))
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="payment")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement payment")
        verbose_name_plural = _("statement payments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="clearing_payment_positive"),
            models.UniqueConstraint(fields=["statement", "reference"], name="clearing_payment_reference_once"),
        ]

    def __str__(self):
        return f"{self.statement} · {self.reference}"
