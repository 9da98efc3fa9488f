import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.clearing.models import ClearingRule, Coalition
from skypark.accounts.tests.factories import MerchantFactory, UserFactory

# Price 1.00 per point issued, 0.80 per point redeemed, a 5 % fee, breakage to the
# operator, coupons funded by their issuer: the figures the assertions below work out.
PRICE, VALUE, FEE = Decimal("1.00"), Decimal("0.80"), Decimal("5")


def coalition_make(*, period=Coalition.Period.WEEKLY, **rule):
    coalition = Coalition.objects.create(
        code="svoy-krug",
        name="Svoy Krug",
        currency="KGS",
        period=period,
        starts_on=timezone.localdate(),
    )
    ClearingRule.objects.create(
        coalition=coalition,
        effective_from=timezone.now() - datetime.timedelta(days=30),
        price_per_point=rule.pop("price_per_point", PRICE),
        value_per_point=rule.pop("value_per_point", VALUE),
        fee_percent=rule.pop("fee_percent", FEE),
        **rule,
    )
    return coalition


@pytest.fixture
def coalition(db):
    return coalition_make()


@pytest.fixture
def partners(db):
    return MerchantFactory(code="coffee"), MerchantFactory(code="books"), MerchantFactory(code="cinema")


@pytest.fixture
def shopper(db):
    return UserFactory()


def later(days):
    return timezone.now() + datetime.timedelta(days=days)


def cents(value) -> Decimal:
    """A database sum of amounts, to the cent (SQLite sums decimals as floats)."""
    from loyalty.clearing.services.journal import money

    return money(value or 0)
