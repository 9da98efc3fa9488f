"""Reads of the loyalty domain, each owning its joins."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone

from skypark.accounts.models import User
from skypark.core.references import normalise_code

from .errors import CustomerNotFound
from .models import Account, Coupon, LedgerEntry, PosTransaction, PosTransactionLine, Tier
from .services.earning import qualifying_points, tier_ladder


@dataclass
class LoyaltySummary:
    customer: User
    account: Account | None
    balance: int
    tier: Tier | None
    next_tier: Tier | None
    qualifying_points: int
    points_to_next_tier: int
    progress_percent: int
    merchant_accounts: list


def customer_by_code(code: str) -> User:
    """The active customer with this code (normalised first), or ``CustomerNotFound``.
    In SQL: every partner call that names a customer reads it, and building the query
    through the ORM cost more than the database spends running it."""
    found = User.objects.raw(
        'SELECT * FROM "accounts_user" WHERE "customer_code" = %s AND "is_active"', [normalise_code(code)]
    )
    user = next(iter(found), None)
    if user is None:
        raise CustomerNotFound(details={"field": "customer_code"})
    return user


def loyalty_summary(*, customer) -> LoyaltySummary:
    """Balance, tier and progress to the next tier (coalition), plus merchant accounts."""
    account = Account.objects.filter(customer=customer, merchant__isnull=True).select_related("tier").first()
    ladder = tier_ladder()
    points = qualifying_points(account) if account else 0
    tier = (account.tier if account else None) or (ladder[0] if ladder else None)
    higher = [t for t in ladder if tier is None or t.min_points > tier.min_points]
    next_tier = higher[0] if higher else None
    if next_tier is None:
        to_next, progress = 0, 100
    else:
        floor = tier.min_points if tier else 0
        span = max(next_tier.min_points - floor, 1)
        to_next = max(next_tier.min_points - points, 0)
        progress = max(0, min(100, int(100 * (points - floor) / span)))
    merchant_accounts = list(
        Account.objects.filter(customer=customer, merchant__isnull=False)
        .select_related("merchant")
        .order_by("merchant__name")
    )
    return LoyaltySummary(
        customer=customer,
        account=account,
        balance=account.balance if account else 0,
        tier=tier,
        next_tier=next_tier,
        qualifying_points=points,
        points_to_next_tier=to_next,
        progress_percent=progress,
        merchant_accounts=merchant_accounts,
    )


def entry_list(*, customer):
    return (
        LedgerEntry.objects.filter(account__customer=customer)
        .select_related("merchant", "account__merchant")
        .order_by("-created_at", "-id")
    )


def coupon_list_for(*, customer, now=None):
    """The customer's own coupons and public coupons that are valid now."""
    now = now or timezone.now()
    return (
        Coupon.objects.filter(Q(customer=customer) | Q(customer__isnull=True), is_active=True)
        .filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=now), Q(valid_until__isnull=True) | Q(valid_until__gt=now)
        )
        .select_related("merchant")
        .order_by("valid_until", "-id")
    )


def transaction_list(*, merchant, test=False):
    """The merchant's transactions of one mode: live, or those of its test keys."""
    return (
        PosTransaction.objects.filter(merchant=merchant, is_test=test)
        .select_related("customer")
        .prefetch_related(Prefetch("lines", queryset=PosTransactionLine.objects.order_by("id")))
        .order_by("-occurred_at", "-id")
    )


def transaction_get(*, merchant, external_id, test=False) -> PosTransaction:
    return transaction_list(merchant=merchant, test=test).get(external_id=external_id)


def partner_balance(*, customer, merchant) -> dict:
    """What a merchant may see of a customer: the balance it works with (its own
    program's account, or the coalition balance) and the network tier. Creates nothing."""
    from .models import MerchantProgram
    from .services.earning import customer_tier, points_value

    program = MerchantProgram.objects.filter(merchant=merchant).first()
    own = program is not None and program.runs_own_on(timezone.localdate())
    account = Account.objects.filter(customer=customer, merchant=merchant if own else None).first()
    balance = account.balance if account else 0
    value = (
        (Decimal(balance) * program.redemption_rate).quantize(Decimal("0.01")) if own else points_value(balance, "KGS")
    )
    return {
        "customer_code": customer.customer_code,
        "name": customer.get_short_name() if customer.name else "",
        "account": "merchant" if own else "coalition",
        "balance": balance,
        "points_value": value,
        "currency": merchant.currency if own else "KGS",
        "tier": customer_tier(customer),
    }
