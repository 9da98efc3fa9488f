"""The loyalty port: how checkouts of parks, events and courses ask about a customer's
tier discount and points without importing the loyalty app.

The loyalty app registers its implementation with ``set_provider`` in its
``AppConfig.ready``; until then every customer has no tier and no points to spend.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import DomainError


@dataclass(frozen=True)
class TierBenefits:
    code: str = "none"
    name: str = ""
    discount_percent: Decimal = Decimal("0")
    points_multiplier: Decimal = Decimal("1")

    def discount_on(self, amount: Decimal) -> Decimal:
        """The tier discount on ``amount``, rounded to the currency's cents."""
        return (amount * self.discount_percent / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


NO_TIER = TierBenefits()


class NotEnoughPoints(DomainError):
    code = "not_enough_points"
    default_message = _("You do not have that many loyalty points.")


class NullLoyaltyProvider:
    """What every checkout sees while no loyalty app is installed."""

    def tier_for(self, customer) -> TierBenefits:
        return NO_TIER

    def spendable_points(self, customer) -> int:
        return 0

    def points_value(self, points: int, currency: str) -> Decimal:
        return Decimal("0")

    def points_redeem_for_order(self, *, customer, points: int, order) -> Decimal:
        """Spend ``points`` on ``order`` inside the caller's transaction (locking the
        balance) and return their value in the order's currency. The loyalty app gives
        them back when the order expires or is cancelled."""
        if points > 0:
            raise NotEnoughPoints()
        return Decimal("0")

    def points_award(self, *, customer, points: int, source: str, reference: str, description: str = "") -> int:
        """Award ``points`` once per ``(source, reference)``; returns the points added
        (0 when that reference was already rewarded)."""
        return 0

    def offers_apply_to_order(self, *, order, lines) -> Decimal:
        """Apply the loyalty network's live online offers to ``order``, just written with
        its ``lines`` inside the checkout's transaction; returns the discount they give,
        which the checkout takes off the order's total."""
        return Decimal("0")


_provider = NullLoyaltyProvider()


def set_provider(provider):
    global _provider
    _provider = provider


def get_provider():
    return _provider


def tier_for(customer) -> TierBenefits:
    if customer is None or not getattr(customer, "is_authenticated", False):
        return NO_TIER
    return _provider.tier_for(customer)
