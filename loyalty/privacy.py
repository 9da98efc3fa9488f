"""Personal data held by loyalty: accounts with their ledgers, till transactions, coupons,
referrals, scans, visits and totals. Ledgers and transactions are kept on erasure (a
balance must keep equalling its ledger); the scan log loses the device details and the
transactions the keyed hashes of the device and payment card the till saw (which are
never exported either: they are pseudonymous keys for matching, not data about the
person). Customer totals are figures of the kept transactions and stay with them."""

from django.db.models import Q

from skypark.privacy.registry import Section, not_personal, register, rows

from .models import (
    Account,
    Card,
    Coupon,
    CouponRedemption,
    CustomerTotals,
    CustomerVisit,
    FraudFlag,
    LedgerEntry,
    OfferApplication,
    PointLot,
    PosTransaction,
    PosTransactionLine,
    Referral,
    ReferralCode,
    ScanLog,
    TierChange,
)


def export(user):
    return {
        "accounts": rows(Account.objects.filter(customer=user).order_by("pk")),
        "card": rows(Card.objects.filter(customer=user), exclude=("secret",)),
        "ledger": rows(LedgerEntry.objects.filter(account__customer=user).order_by("pk"), exclude=("created_by",)),
        "point_lots": rows(PointLot.objects.filter(account__customer=user).order_by("pk")),
        "tier_changes": rows(TierChange.objects.filter(account__customer=user).order_by("pk")),
        "transactions": rows(
            PosTransaction.objects.filter(customer=user).order_by("pk"),
            exclude=("idempotency_key", "request_hash", "device_hash", "card_hash"),
        ),
        "totals": rows(CustomerTotals.objects.filter(customer=user).order_by("pk")),
        "transaction_lines": rows(PosTransactionLine.objects.filter(transaction__customer=user).order_by("pk")),
        "coupons": rows(Coupon.objects.filter(customer=user).order_by("pk")),
        "coupon_redemptions": rows(CouponRedemption.objects.filter(customer=user).order_by("pk")),
        "referral_code": rows(ReferralCode.objects.filter(customer=user)),
        "referrals": rows(Referral.objects.filter(Q(referrer=user) | Q(referred=user)).order_by("pk")),
        "scans": rows(ScanLog.objects.filter(customer=user).order_by("pk")),
        "visits": rows(CustomerVisit.objects.filter(customer=user).order_by("pk")),
        "offer_applications": rows(OfferApplication.objects.filter(customer=user).order_by("pk")),
        "fraud_flags": rows(FraudFlag.objects.filter(customer=user).order_by("pk"), exclude=("reviewed_by",)),
    }


def erase(user):
    ScanLog.objects.filter(customer=user).update(payload="", ip_address=None, user_agent="")
    # The keyed hashes of the devices and cards the till saw are what could link the
    # person to other accounts; the sales themselves stay (their ledger does).
    PosTransaction.objects.filter(customer=user).exclude(device_hash="", card_hash="").update(
        device_hash="", card_hash=""
    )
    # The card secret goes: any code shown before (a screenshot, a lost phone) stops working.
    Card.objects.filter(customer=user).delete()


register(
    Section(
        key="loyalty",
        export=export,
        erase=erase,
        covers=(
            "loyalty.Account.customer",
            "loyalty.Card.customer",
            "loyalty.PosTransaction.customer",
            "loyalty.Coupon.customer",
            "loyalty.CouponRedemption.customer",
            "loyalty.ReferralCode.customer",
            "loyalty.Referral.referrer",
            "loyalty.Referral.referred",
            "loyalty.ScanLog.customer",
            "loyalty.FraudFlag.customer",
            "loyalty.CustomerVisit.customer",
            "loyalty.CustomerTotals.customer",
            "loyalty.OfferApplication.customer",
        ),
        order=50,
    )
)
not_personal(
    "loyalty.LedgerEntry.created_by",
    "loyalty.FraudFlag.reviewed_by",
    "loyalty.ImportBatch.created_by",
    "loyalty.Offer.approved_by",
    reason="the member of staff who acted",
)
