"""Which account and rules a merchant works with: its own programme's, or the coalition's."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from skypark.config.selectors import get_decimal

from ...models import (
    Account,
    LedgerEntry,
    MerchantProgram,
)
from ..earning import (
    customer_tier,
    network_points_for,
    tier_ladder_cached,
    tier_of,
)
from ..ledger import (
    account_for_update,
    account_get_or_create,
    points_floor,
    program_of,
)

Kind = LedgerEntry.Kind
CENT = Decimal("0.01")


# --- which account a merchant works with ------------------------------------------------


@dataclass
class Rules:
    account: Account
    own: bool
    multiplier: Decimal
    program: MerchantProgram | None

    def points_for(self, amount: Decimal) -> int:
        if self.own:
            if amount < self.program.min_spend:
                return 0
            return points_floor(amount * self.program.points_per_unit * self.multiplier)
        return network_points_for(amount, self.multiplier)

    def value_of(self, points: int) -> Decimal:
        rate = self.program.redemption_rate if self.own else get_decimal("loyalty.point_value")
        return (Decimal(points) * rate).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def max_redeem_percent(self) -> Decimal:
        return self.program.max_redeem_percent if self.own else Decimal(100)

    @property
    def min_redeem_points(self) -> int:
        return self.program.min_redeem_points if self.own else 0


def rules_for(*, customer, merchant, day=None) -> Rules:
    """A merchant running its own active program works with the customer's account in
    that program; every other partner with the shared coalition balance."""
    day = day or timezone.localdate()
    program = program_of(merchant)
    if program is not None and program.runs_own_on(day):
        account = account_get_or_create(customer=customer, merchant=merchant)
        return Rules(account=account, own=True, multiplier=_own_multiplier(account), program=program)
    account = account_get_or_create(customer=customer)
    tier = customer_tier(customer)
    return Rules(account=account, own=False, multiplier=tier.multiplier if tier else Decimal("1"), program=program)


def _own_multiplier(account) -> Decimal:
    """The earning multiplier of the account's tier on its merchant's own ladder (1 when
    the merchant has none); the ladder is cached."""
    if account.tier_id is None:
        return Decimal("1")
    tier = tier_of(account, tier_ladder_cached(account.merchant_id))
    return tier.multiplier if tier else Decimal("1")


def _rules_locked(*, customer, merchant, day) -> Rules:
    """``rules_for`` inside the caller's transaction: the account is read locked (with
    whether a referral is pending), created first when missing; its tier comes from the
    cached ladder."""
    program = program_of(merchant)
    if program is not None and program.runs_own_on(day):
        account = account_for_update(customer=customer, merchant=merchant)
        return Rules(account=account, own=True, multiplier=_own_multiplier(account), program=program)
    account = account_for_update(customer=customer)
    ladder = tier_ladder_cached()
    tier = tier_of(account, ladder) or (ladder[0] if ladder else None)
    return Rules(account=account, own=False, multiplier=tier.multiplier if tier else Decimal("1"), program=program)
