"""Orders, their lines, payments and refunds: the one checkout every paid thing goes through.

Statuses only change through ``skypark.commerce.services``, which checks the transition
tables below. The tables live here, next to the choices they talk about, so a reader sees
the whole state machine in one place.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.core.models import Currency, TimeStampedModel
from skypark.core.references import human_reference

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def new_order_reference() -> str:
    return human_reference("SP", 8)


class PaymentMethod(models.TextChoices):
    VISA = "visa", _("Visa")
    MASTERCARD = "mastercard", _("Mastercard")
    ELCARD = "elcard", _("Elcard")
    MBANK = "mbank", _("MBank")
    OMONEY = "omoney", _("O!Money")
    ELQR = "elqr", _("ELQR")
    CASH = "cash", _("Cash")
    CARD_TERMINAL = "card_terminal", _("Card (desk terminal)")
    LOYALTY_POINTS = "loyalty_points", _("Loyalty points")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer (invoice)")


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", pgettext_lazy("order status", "pending payment")
    PAID = "paid", pgettext_lazy("order status", "paid")
    PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("order status", "partially refunded")
    REFUNDED = "refunded", pgettext_lazy("order status", "refunded")
    EXPIRED = "expired", pgettext_lazy("order status", "expired")
    CANCELLED = "cancelled", pgettext_lazy("order status", "cancelled")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment status", "pending")
    PROCESSING = "processing", pgettext_lazy("payment status", "processing")
    COMPLETED = "completed", pgettext_lazy("payment status", "completed")
    FAILED = "failed", pgettext_lazy("payment status", "failed")
    CANCELLED = "cancelled", pgettext_lazy("payment status", "cancelled")
    REFUNDED = "refunded", pgettext_lazy("payment status", "refunded")


class RefundStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("refund status", "pending")
    COMPLETED = "completed", pgettext_lazy("refund status", "completed")
    FAILED = "failed", pgettext_lazy("refund status", "failed")


class Order(TimeStampedModel):
    Status = OrderStatus

    TRANSITIONS = {
        Status.PENDING_PAYMENT: {Status.PAID, Status.EXPIRED, Status.CANCELLED},
        Status.PAID: {Status.PARTIALLY_REFUNDED, Status.REFUNDED},
        Status.PARTIALLY_REFUNDED: {Status.PARTIALLY_REFUNDED, Status.REFUNDED},
        Status.REFUNDED: set(),
        # Money that arrives after expiry re-opens the order when its places are still
        # free (``settling.late_payment_settle``).
        Status.EXPIRED: {Status.PAID},
        Status.CANCELLED: set(),
    }
    PAID_STATUSES = (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED)

    reference = models.CharField(
        _("reference"), max_length=20, unique=True, default=new_order_reference, editable=False
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KGS)
    subtotal = money_field(_("subtotal"))
    discount_total = money_field(_("discount"))
    total = money_field(_("total"))
    refunded_total = money_field(_("refunded"))
    expires_at = models.DateTimeField(_("pay before"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        permissions = [("refund_order", _("Can refund orders"))]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="commerce_order_status_valid"),
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="commerce_order_subtotal_gte_0"),
            models.CheckConstraint(condition=Q(discount_total__gte=0), name="commerce_order_discount_gte_0"),
            models.CheckConstraint(
                condition=Q(discount_total__lte=models.F("subtotal")), name="commerce_order_discount_lte_subtotal"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="commerce_order_total_gte_0"),
            models.CheckConstraint(condition=Q(refunded_total__gte=0), name="commerce_order_refunded_gte_0"),
            models.CheckConstraint(
                condition=Q(refunded_total__lte=models.F("total")), name="commerce_order_refunded_lte_total"
            ),
            models.CheckConstraint(
                condition=~Q(status="pending_payment") | Q(expires_at__isnull=False),
                name="commerce_order_pending_has_expiry",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["paid", "partially_refunded", "refunded"]) | Q(paid_at__isnull=False),
                name="commerce_order_paid_has_paid_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="commerce_order_cancelled_has_time",
            ),
        ]
        indexes = [
            # The analytical store's sync reads changed rows by (updated_at, id).
            models.Index(fields=["updated_at", "id"], name="commerce_order_facts_idx"),
            models.Index(fields=["customer", "-created_at"], name="commerce_order_customer_idx"),
            models.Index(
                fields=["status", "expires_at"],
                condition=Q(status="pending_payment"),
                name="commerce_order_pending_exp_idx",
            ),
            models.Index(fields=["status", "-created_at"], name="commerce_order_status_idx"),
            models.Index(fields=["paid_at"], name="commerce_order_paid_at_idx", condition=Q(paid_at__isnull=False)),
        ]

    def __str__(self):
        return self.reference

    def can_become(self, status) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def is_payable(self) -> bool:
        return self.status == self.Status.PENDING_PAYMENT

    def line_kinds(self) -> frozenset:
        """The kinds of the order's lines, read once per instance (from the prefetched
        lines when there are some): the receivers of one signal share the instance, so
        each domain can pick out its orders without a query of its own. Kinds never change
        once an order exists."""
        kinds = self.__dict__.get("_line_kinds")
        if kinds is None:
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("lines")
            if prefetched is not None:
                kinds = frozenset(line.kind for line in prefetched)
            else:
                kinds = frozenset(self.lines.values_list("kind", flat=True))
            self.__dict__["_line_kinds"] = kinds
        return kinds

    @property
    def refundable_amount(self) -> Decimal:
        if self.status not in (self.Status.PAID, self.Status.PARTIALLY_REFUNDED):
            return ZERO
        return self.total - self.refunded_total


class OrderLine(models.Model):
    """One thing sold. ``item`` points at the domain object (a ticket, a registration, a
    booking) without commerce knowing its model; ``kind`` lets a domain's signal receiver
    pick out its own lines without a content-type lookup. ``cancelled_at`` and
    ``refunded_amount`` are written only by ``commerce.cancelling.order_lines_cancel``."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    item = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=40)
    description = models.CharField(_("description"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = money_field(_("unit price"))
    discount = money_field(_("discount"))
    total = money_field(_("total"))
    metadata = models.JSONField(_("metadata"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    refunded_amount = money_field(_("refunded"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="commerce_line_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="commerce_line_unit_price_gte_0"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="commerce_line_discount_gte_0"),
            models.CheckConstraint(condition=Q(total__gte=0), name="commerce_line_total_gte_0"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("total")),
                name="commerce_line_refunded_in_range",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="commerce_line_item_idx")]

    def __str__(self):
        return f"{self.quantity} × {self.description}"


class Payment(TimeStampedModel):
    Status = PaymentStatus

    # An acquirer can still capture money after we gave up on the attempt (the order
    # expired while the customer sat on the card page); the money is then real and the
    # service refunds it, so cancelled → completed is a legal, recorded step.
    TRANSITIONS = {
        Status.PENDING: {Status.PROCESSING, Status.COMPLETED, Status.FAILED, Status.CANCELLED},
        Status.PROCESSING: {Status.COMPLETED, Status.FAILED, Status.CANCELLED},
        Status.COMPLETED: {Status.REFUNDED},
        Status.CANCELLED: {Status.COMPLETED},
        Status.FAILED: set(),
        Status.REFUNDED: set(),
    }
    OPEN_STATUSES = (Status.PENDING, Status.PROCESSING)

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    provider = models.CharField(_("provider"), max_length=32)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        permissions = [("confirm_cash_payment", _("Can confirm cash payments"))]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_payment_amount_gt_0"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="commerce_payment_status_valid"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="commerce_payment_method_valid"),
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                condition=~Q(external_id=""),
                name="commerce_payment_external_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="commerce_payment_status_idx"),
            models.Index(fields=["method", "-created_at"], name="commerce_payment_method_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} · {self.get_method_display()} · {self.amount} {self.currency}"

    def can_become(self, status) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())


class Refund(models.Model):
    Status = RefundStatus

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_refund_amount_gt_0"),
            models.CheckConstraint(condition=Q(status__in=RefundStatus.values), name="commerce_refund_status_valid"),
            models.UniqueConstraint(
                fields=["payment", "external_id"], condition=~Q(external_id=""), name="commerce_refund_external_unique"
            ),
        ]

    def __str__(self):
        return f"{self.amount} ({self.get_status_display()})"


class PaymentNotification(models.Model):
    """A gateway notification the shop accepted, kept by the gateway's own id so that a
    second delivery of the same notification (a replay) is refused and changes nothing."""

    provider = models.CharField(_("provider"), max_length=32)
    notification_id = models.CharField(_("notification id"), max_length=100)
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="notifications"
    )
    status = models.CharField(_("reported status"), max_length=20)
    body = models.JSONField(_("body"), default=dict, encoder=DjangoJSONEncoder)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "notification_id"], name="commerce_notification_unique"),
        ]

    def __str__(self):
        return f"{self.provider} {self.notification_id}"


class SimulatedPayment(models.Model):
    """The remote side of a gateway simulator: what the bank or wallet would hold about
    a payment (used only while a gateway has no credentials)."""

    class Status(models.TextChoices):
        CREATED = "created", pgettext_lazy("simulated payment", "created")
        PAID = "paid", pgettext_lazy("simulated payment", "paid")
        FAILED = "failed", pgettext_lazy("simulated payment", "failed")

    provider = models.CharField(_("provider"), max_length=32)
    reference = models.CharField(_("reference"), max_length=100, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=255, blank=True)
    return_url = models.CharField(_("return address"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CREATED)
    refunded = money_field(_("refunded"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("simulated gateway payment")
        verbose_name_plural = _("simulated gateway payments")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.reference
