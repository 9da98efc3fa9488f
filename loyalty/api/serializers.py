"""Shapes of the partner and customer loyalty APIs. They check input and render output;
they never save."""

import datetime
import functools
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from skypark.core.api.money import money_field
from skypark.core.api.serializers import ModelOutput

from ..models import Coupon, ImportBatch, LedgerEntry, PosTransaction, PosTransactionLine, Tier

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


# --- input ------------------------------------------------------------------------------


ENTRY_HELP = (
    "How the card code reached you: `scan` (default) for the QR or the rotating code typed from the card, "
    "`manual` when your staff typed the customer's bare static code by hand — the only way a static code is "
    "accepted; such entries are logged and counted by the fraud rules."
)
CARD_CODE_HELP = (
    "The card code: the scanned QR payload, or the rotating code shown under it (`7K3M9P2QXA-482913`, valid a few "
    "minutes), or with `entry=manual` the bare customer code."
)


def card_code_field():
    return serializers.CharField(max_length=200, help_text=CARD_CODE_HELP)


def entry_field():
    return serializers.ChoiceField(choices=["scan", "manual"], default="scan", help_text=ENTRY_HELP)


class LookupInput(serializers.Serializer):
    payload = card_code_field()
    entry = entry_field()


class EntryInput(serializers.Serializer):
    entry = entry_field()


class LineInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    name = serializers.CharField(max_length=255)
    quantity = serializers.DecimalField(
        max_digits=10, decimal_places=3, min_value=Decimal("0.001"), default=Decimal("1")
    )
    unit_price = serializers.DecimalField(**MONEY)


class TransactionInput(serializers.Serializer):
    external_id = serializers.CharField(max_length=100, help_text="Your id for this sale; unique per merchant.")
    customer_code = card_code_field()
    entry = entry_field()
    amount = serializers.DecimalField(help_text="Purchase total before loyalty discounts.", **MONEY)
    occurred_at = serializers.DateTimeField(required=False)
    lines = LineInput(many=True, required=False, default=list)
    points_to_redeem = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
    coupon_code = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    status = serializers.ChoiceField(
        choices=["completed", "pending", "failed"],
        default="completed",
        help_text="`completed` (default): points move now. `pending`: the payment is under way; points move when "
        "you `complete/` it, nothing moves if you `cancel/` it. `failed`: kept for the record, nothing moves.",
    )
    payment_method = serializers.ChoiceField(
        choices=PosTransaction.PaymentMethod.values,
        default=PosTransaction.PaymentMethod.OTHER,
        help_text="How the customer paid.",
    )
    till_id = serializers.CharField(
        max_length=64,
        required=False,
        default="",
        allow_blank=True,
        help_text="Your name for the till (terminal) that rang the sale up; the fraud rules count per till.",
    )
    device_id = serializers.CharField(
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        help_text="Optional: an id of the customer's device (app install). Stored only as a keyed hash, to notice "
        "many accounts on one device.",
    )
    card_fingerprint = serializers.CharField(
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        help_text="Optional: your payment provider's fingerprint of the card paid with (never the card number). "
        "Stored only as a keyed hash, to notice many accounts on one card.",
    )

    def validate_occurred_at(self, value):
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise serializers.ValidationError("occurred_at is in the future.", code="in_future")
        return value


class RefundInput(serializers.Serializer):
    amount = serializers.DecimalField(required=False, help_text="Omit to refund everything left.", **MONEY)
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class VoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class CancelInput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["cancelled", "failed"],
        default="cancelled",
        help_text="`cancelled` (default): called off; `failed`: the payment did not go through.",
    )
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class RedeemPointsInput(serializers.Serializer):
    customer_code = card_code_field()
    entry = entry_field()
    points = serializers.IntegerField(min_value=1)
    reference = serializers.CharField(
        max_length=80, help_text="Your id for this redemption; a retry returns the first."
    )
    amount = serializers.DecimalField(required=False, default=Decimal("0"), **MONEY)


class CouponInput(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    customer_code = card_code_field()
    entry = entry_field()
    amount = serializers.DecimalField(**MONEY)


class CouponRedeemInput(CouponInput):
    reference = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class ImportRow(serializers.Serializer):
    """One past transaction of an import (the shape the schema documents; each row is
    checked when it is imported, and a bad row is reported in the batch's ``errors``)."""

    external_id = serializers.CharField(max_length=100, help_text="Your id for this sale; unique per merchant.")
    customer_code = serializers.CharField(required=False, help_text="The customer's code (or send `phone`).")
    phone = serializers.CharField(required=False, help_text="The customer's phone (or send `customer_code`).")
    amount = money_field(min_value=Decimal("0"))
    occurred_at = serializers.DateTimeField(required=False)
    lines = LineInput(many=True, required=False)


@extend_schema_field(ImportRow)
class ImportRowField(serializers.DictField):
    pass


class ImportInput(serializers.Serializer):
    rows = serializers.ListField(
        child=ImportRowField(),
        min_length=1,
        max_length=10_000,
        help_text="Transactions as in POST transactions/.",
    )


class ReferralInput(serializers.Serializer):
    code = serializers.CharField(max_length=16)


# --- output -----------------------------------------------------------------------------


class TierOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")

    class Meta:
        model = Tier
        fields = ["code", "name", "min_points", "multiplier", "discount_percent", "colour"]


class CustomerBalanceOutput(serializers.Serializer):
    customer_code = serializers.CharField()
    name = serializers.CharField()
    account = serializers.ChoiceField(choices=["coalition", "merchant"], help_text="Which balance this merchant uses.")
    balance = serializers.IntegerField()
    points_value = money_field(help_text="What the balance is worth here, in `currency`.")
    currency = serializers.CharField(help_text="ISO 4217 code of `points_value`.")
    tier = TierOutput(allow_null=True)


class LineOutput(ModelOutput):
    """One line of a POS transaction."""

    class Meta:
        model = PosTransactionLine
        fields = ["sku", "name", "quantity", "unit_price", "total"]


TEST_HELP = "Recorded with a test key (`sk_test_`): seen only by test keys, never in balances, analytics or settlement."


class TransactionOutput(ModelOutput):
    """A POS transaction as the partner's till recorded it, with what loyalty did to it."""

    customer_code = serializers.CharField(source="customer.customer_code")
    lines = LineOutput(many=True)
    amount_due = money_field(read_only=True, help_text="What the customer paid after loyalty discounts.")
    is_test = serializers.BooleanField(read_only=True, help_text=TEST_HELP)

    class Meta:
        model = PosTransaction
        fields = [
            "external_id",
            "customer_code",
            "status",
            "payment_method",
            "till_id",
            "source",
            "currency",
            "amount",
            "discount",
            "amount_due",
            "refunded_amount",
            "points_earned",
            "points_redeemed",
            "coupon_code",
            "occurred_at",
            "completed_at",
            "created_at",
            "lines",
            "is_test",
        ]


@functools.cache
def _transaction_output() -> TransactionOutput:
    return TransactionOutput()


def transaction_data(tx: PosTransaction) -> dict:
    """What ``TransactionOutput(tx).data`` gives, from one serializer built once per
    process. DRF deep-copies a serializer's fields every time one is made, which cost a
    partner sale more than rendering it; rendering keeps nothing on the serializer, so
    one instance serves every request and thread."""
    return _transaction_output().to_representation(tx)


class RedeemPointsOutput(serializers.Serializer):
    points = serializers.IntegerField()
    value = money_field(help_text="What the points paid, in `currency`.")
    currency = serializers.CharField(help_text="ISO 4217 code of `value`.")
    balance = serializers.IntegerField()
    reference = serializers.CharField()


class CouponOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code", allow_null=True, default=None)

    class Meta:
        model = Coupon
        fields = [
            "code",
            "kind",
            "value",
            "item_name",
            "description",
            "merchant",
            "min_purchase",
            "valid_from",
            "valid_until",
        ]


class CouponCheckOutput(serializers.Serializer):
    valid = serializers.BooleanField()
    coupon = CouponOutput()
    discount = money_field(help_text="The discount on `amount`, in `currency`.")
    currency = serializers.CharField(help_text="ISO 4217 code of `discount`.")


class ImportOutput(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField()
    is_test = serializers.BooleanField(read_only=True, help_text=TEST_HELP)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "status",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "created_count",
            "duplicate_count",
            "error_count",
            "errors",
            "created_at",
            "finished_at",
            "is_test",
        ]


class TestDataRemovedOutput(serializers.Serializer):
    transactions = serializers.IntegerField(help_text="Test transactions removed, with their lines.")
    coupon_redemptions = serializers.IntegerField(help_text="Test coupon redemptions removed.")
    imports = serializers.IntegerField(help_text="Test imports removed.")


class EntryOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.name", allow_null=True, default=None)
    account = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "points", "balance_after", "source", "description", "merchant", "account", "created_at"]

    def get_account(self, entry) -> str:
        return entry.account.merchant.code if entry.account.merchant_id else "coalition"


class MerchantAccountOutput(serializers.Serializer):
    merchant = serializers.CharField(source="merchant.name")
    merchant_code = serializers.CharField(source="merchant.code")
    balance = serializers.IntegerField()


class SummaryOutput(serializers.Serializer):
    customer_code = serializers.CharField(source="customer.customer_code")
    card_payload = serializers.CharField(help_text="What the personal QR card encodes now (signed, rotating).")
    card_code = serializers.CharField(help_text="The rotating code shown under the QR, for typing at a till.")
    card_code_valid_until = serializers.DateTimeField(help_text="Until when tills accept this code.")
    card_code_refresh_at = serializers.DateTimeField(help_text="When the next code starts; fetch it then.")
    balance = serializers.IntegerField()
    spendable = serializers.IntegerField()
    tier = TierOutput(allow_null=True)
    next_tier = TierOutput(allow_null=True)
    qualifying_points = serializers.IntegerField()
    points_to_next_tier = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    referral_code = serializers.CharField()
    merchant_accounts = MerchantAccountOutput(many=True)
