import pytest

from skypark.accounts.tests.factories import MerchantFactory, UserFactory


@pytest.fixture
def merchant(db):
    return MerchantFactory()


@pytest.fixture
def other_merchant(db):
    return MerchantFactory()


@pytest.fixture
def shopper(db):
    return UserFactory()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Runs a block and then its on-commit callbacks (commerce's signals)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture(autouse=True)
def _tier_ladder(request):
    """The ladder comes from a data migration; a transactional test elsewhere flushes
    the tables, so put it back when it is missing."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from decimal import Decimal
    from importlib import import_module

    from loyalty.models import Tier

    seed = import_module("loyalty.migrations.0002_seed_tiers_and_settings")
    for code, ru, ky, en, min_points, multiplier, discount, colour, order in seed.TIERS:
        Tier.objects.get_or_create(
            code=code,
            defaults=dict(
                name=ru,
                name_ky=ky,
                name_en=en,
                min_points=min_points,
                multiplier=Decimal(multiplier),
                discount_percent=Decimal(discount),
                colour=colour,
                order=order,
            ),
        )
    platinum = dict(import_module("loyalty.migrations.0019_tier_ladder_platinum").PLATINUM)
    Tier.objects.get_or_create(merchant=None, code=platinum.pop("code"), defaults=platinum)
