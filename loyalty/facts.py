"""Loyalty's facts for the analytical store (``skypark.core.facts``): the partners' till
purchases, and the win-win chain's triggers (a cross-promo coupon issued) and conversions
(that coupon redeemed at the target partner, with the purchase it came with). What a
test API key recorded (``is_test``) is never a fact."""

from decimal import Decimal

from skypark.core.facts import changed_after, fact_source

from .models import Coupon, CouponRedemption, PosTransaction

ZERO = Decimal("0")


@fact_source(name="loyalty.pos_transactions", table="transaction_facts")
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
