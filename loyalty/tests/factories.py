import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from loyalty.models import Coupon, CrossPromo, MerchantProgram
from skypark.accounts.tests.factories import MerchantFactory, UserFactory


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MerchantProgram

    merchant = factory.SubFactory(MerchantFactory)
    mode = MerchantProgram.Mode.OWN
    name = factory.Sequence(lambda n: f"Program {n}")
    points_per_unit = Decimal("0.05")
    redemption_rate = Decimal("1")


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"CPN{n:05d}")
    kind = Coupon.Kind.PERCENT
    value = Decimal("10")
    valid_from = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    valid_until = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


class PromoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrossPromo

    name = factory.Sequence(lambda n: f"Chain {n}")
    source_merchant = factory.SubFactory(MerchantFactory)
    target_merchant = factory.SubFactory(MerchantFactory)
    min_purchase = Decimal("500")
    coupon_kind = "fixed"
    coupon_value = Decimal("100")


def give_points(customer, points, *, merchant=None, expires_at=None, reference=None):
    """Puts ``points`` on the customer's account as one lot (a bonus)."""
    import uuid

    from django.db import transaction

    from loyalty.models import LedgerEntry
    from loyalty.services.ledger import _credit, account_get_or_create, account_lock

    account = account_get_or_create(customer=customer, merchant=merchant)
    with transaction.atomic():
        account = account_lock(account)
        return _credit(
            account,
            kind=LedgerEntry.Kind.BONUS,
            points=points,
            source="test",
            reference=reference or uuid.uuid4().hex,
            expires_at=expires_at,
        )


__all__ = ["CouponFactory", "MerchantFactory", "ProgramFactory", "PromoFactory", "UserFactory", "give_points"]


def card_code(customer, **kwargs) -> str:
    """The rotating code the customer's card shows now (typed form)."""
    from loyalty.services import card_code_for

    return card_code_for(customer, **kwargs).typed
