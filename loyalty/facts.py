"""Loyalty's facts for the analytical store (``skypark.core.facts``): the partners' till
purchases, and the win-win chain's triggers (a cross-promo coupon issued) and conversions
(that coupon redeemed at the target partner, with the purchase it came with). What a
test API key recorded (``is_test``) is never a fact."""

from decimal import Decimal

from django.db.models import CharField, DecimalField, F, Q, Value
from django.db.models.functions import Cast, Concat

from skypark.core.facts import BulkRows, changed_after, fact_source

from .models import Coupon, CouponRedemption, PosTransaction

ZERO = Decimal("0")


def _pos_transactions_bulk(after):
    return BulkRows(
        queryset=changed_after(PosTransaction.objects.filter(is_test=False), after),
        columns={
            "user_id": F("customer_id"),
            "occurred_at": F("occurred_at"),
            "transaction_id": Concat(Value("pos:"), Cast("pk", CharField()), output_field=CharField()),
            "source": Value("pos", output_field=CharField()),
            "merchant_id": F("merchant_id"),
            "category": Value("till", output_field=CharField()),
            "currency": F("currency"),
            "amount": F("amount") - F("discount"),
            "refunded": F("refunded_amount"),
            "bonus_accrued": Cast("points_earned", DecimalField(max_digits=18, decimal_places=2)),
            "status": F("status"),
        },
        changed=F("updated_at"),
        deleted=Q(status=PosTransaction.Status.VOIDED),
    )


@fact_source(name="loyalty.pos_transactions", table="transaction_facts", bulk=_pos_transactions_bulk)
def pos_transactions(after, limit):
    rows = changed_after(PosTransaction.objects.filter(is_test=False), after).values_list(
        "pk",
        "updated_at",
        "customer_id",
        "occurred_at",
        "merchant_id",
        "currency",
        "amount",
        "discount",
        "refunded_amount",
        "points_earned",
        "status",
    )[:limit]
    return [
        {
            "_pk": pk,
            "_changed_at": changed,
            "_deleted": status == PosTransaction.Status.VOIDED,
            "user_id": customer,
            "occurred_at": occurred,
            "transaction_id": f"pos:{pk}",
            "source": "pos",
            "merchant_id": merchant,
            "category": "till",
            "currency": currency,
            "amount": amount - discount,
            "refunded": refunded,
            "bonus_accrued": Decimal(points),
            "status": status,
        }
        for pk, changed, customer, occurred, merchant, currency, amount, discount, refunded, points, status in rows
    ]


@fact_source(name="loyalty.cross_promo_triggers", table="cross_promo_facts")
def cross_promo_triggers(after, limit):
    coupons = changed_after(Coupon.objects.filter(promo__isnull=False, customer__isnull=False), after).values_list(
        "pk",
        "updated_at",
        "created_at",
        "promo__source_merchant_id",
        "promo__target_merchant_id",
        "customer_id",
        "promo__target_merchant__currency",
    )[:limit]
    return [
        {
            "_pk": pk,
            "_changed_at": changed,
            "source_merchant_id": source,
            "target_merchant_id": target,
            "occurred_at": created,
            "event_id": f"trigger:{pk}",
            "kind": "trigger",
            "user_id": customer,
            "currency": currency,
            "revenue": ZERO,
        }
        for pk, changed, created, source, target, customer, currency in coupons
    ]


@fact_source(name="loyalty.cross_promo_conversions", table="cross_promo_facts")
def cross_promo_conversions(after, limit):
    redemptions = changed_after(
        CouponRedemption.objects.filter(coupon__promo__isnull=False, is_test=False), after, field="created_at"
    ).values_list(
        "pk",
        "created_at",
        "coupon__promo__source_merchant_id",
        "coupon__promo__target_merchant_id",
        "customer_id",
        "transaction__currency",
        "merchant__currency",
        "amount",
        "discount",
    )[:limit]
    return [
        {
            "_pk": pk,
            "_changed_at": created,
            "source_merchant_id": source,
            "target_merchant_id": target,
            "occurred_at": created,
            "event_id": f"conversion:{pk}",
            "kind": "conversion",
            "user_id": customer,
            "currency": tx_currency or merchant_currency,
            "revenue": amount - discount,
        }
        for pk, created, source, target, customer, tx_currency, merchant_currency, amount, discount in redemptions
    ]
