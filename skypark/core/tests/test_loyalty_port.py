from decimal import Decimal

import pytest

from skypark.core import loyalty


def test_without_a_loyalty_app_everyone_has_no_tier():
    benefits = loyalty.tier_for(None)
    assert benefits.code == "none"
    assert benefits.discount_on(Decimal("790")) == Decimal("0.00")


def test_registered_provider_is_used_and_discount_is_rounded_to_cents():
    class Provider(loyalty.NullLoyaltyProvider):
        def tier_for(self, customer):
            return loyalty.TierBenefits(code="friend", discount_percent=Decimal("5"), points_multiplier=Decimal("1.5"))

    class Customer:
        is_authenticated = True

    previous = loyalty.get_provider()
    loyalty.set_provider(Provider())
    try:
        benefits = loyalty.tier_for(Customer())
        assert benefits.code == "friend"
        assert benefits.discount_on(Decimal("789.90")) == Decimal("39.50")
    finally:
        loyalty.set_provider(previous)


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("0.01"), Decimal("1580")])
def test_no_tier_never_discounts(amount):
    assert loyalty.NO_TIER.discount_on(amount) == Decimal("0.00")


def test_null_provider_refuses_to_spend_points_it_does_not_have():
    provider = loyalty.NullLoyaltyProvider()
    assert provider.points_redeem_for_order(customer=None, points=0, order=None) == Decimal("0")
    with pytest.raises(loyalty.NotEnoughPoints) as exc:
        provider.points_redeem_for_order(customer=None, points=10, order=None)
    assert exc.value.code == "not_enough_points"


def test_null_provider_awards_nothing():
    assert loyalty.NullLoyaltyProvider().points_award(customer=None, points=5, source="event", reference="1") == 0
