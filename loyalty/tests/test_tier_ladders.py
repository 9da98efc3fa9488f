import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty import services
from loyalty.models import Account, LedgerEntry, Tier, TierChange
from loyalty.services.schedules import SCHEDULES
from loyalty.tests.factories import ProgramFactory, give_points
from skypark.accounts.tests.factories import UserFactory
from skypark.config import selectors as config
from skypark.config.models import SystemSetting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_settings():
    config.invalidate()
    yield
    config.invalidate()


def setting(key, value, data_type="number"):
    SystemSetting.objects.update_or_create(key=key, defaults={"value": value, "data_type": data_type})
    config.invalidate()


def coalition(customer):
    return Account.objects.get(customer=customer, merchant__isnull=True)


def sale(merchant, customer, external_id, amount):
    tx, _ = services.pos_transaction_record(
        merchant=merchant, customer=customer, external_id=external_id, amount=Decimal(amount)
    )
    return tx


def test_the_coalition_ladder_has_four_steps_with_benefits_as_data():
    ladder = list(Tier.objects.filter(merchant__isnull=True).order_by("min_points"))
    assert [t.code for t in ladder] == ["beginner", "friend", "vip", "platinum"]
    assert ladder[-1].free_services and ladder[-1].multiplier > ladder[-2].multiplier


def test_a_merchant_ladder_is_its_own_and_its_multiplier_earns(shopper):
    program = ProgramFactory(points_per_unit=Decimal("0.1"))
    merchant = program.merchant
    Tier.objects.create(merchant=merchant, code="base", name="Base", min_points=0, order=1)
    gold = Tier.objects.create(
        merchant=merchant, code="gold", name="Gold", min_points=50, multiplier=Decimal("2"), order=2
    )
    # The same code on the coalition's ladder and a merchant's does not clash.
    Tier.objects.create(merchant=merchant, code="vip", name="VIP here", min_points=1000, order=3)
    assert sale(merchant, shopper, "m-1", "600").points_earned == 60
    account = Account.objects.get(customer=shopper, merchant=merchant)
    change = services.tier_recalculate(account=account)
    assert change.to_tier == gold and change.is_upgrade
    assert sale(merchant, shopper, "m-2", "100").points_earned == 20, "gold doubles"
    assert coalition_untouched(shopper)


def coalition_untouched(customer):
    return not Account.objects.filter(customer=customer, merchant__isnull=True, tier_points__gt=0).exists()


def test_a_ladder_by_spend(shopper):
    program = ProgramFactory(tier_basis="spend", points_per_unit=Decimal("0.01"))
    merchant = program.merchant
    Tier.objects.create(merchant=merchant, code="s0", name="S0", min_points=0, order=1)
    top = Tier.objects.create(merchant=merchant, code="s1", name="S1", min_points=1, min_spend=Decimal("2000"), order=2)
    sale(merchant, shopper, "s-1", "1500")
    account = Account.objects.get(customer=shopper, merchant=merchant)
    services.tier_recalculate(account=account)
    assert Account.objects.get(pk=account.pk).tier.code == "s0", "15 points would reach S1; 1500 spent does not"
    sale(merchant, shopper, "s-2", "600")
    assert services.tier_recalculate(account=account).to_tier == top


def test_the_coalition_by_spend_setting(merchant, shopper):
    setting("loyalty.tier_basis", "spend", "string")
    Tier.objects.filter(merchant__isnull=True, code="friend").update(min_spend=Decimal("5000"))
    Tier.objects.filter(merchant__isnull=True, code="vip").update(min_spend=Decimal("50000"))
    Tier.objects.filter(merchant__isnull=True, code="platinum").update(min_spend=Decimal("100000"))
    sale(merchant, shopper, "c-1", "12000")  # 1200 points: friend by points, not by spend yet
    assert coalition(shopper).tier is None or coalition(shopper).tier.code != "friend"
    services.tier_recalculate(account=coalition(shopper))
    assert coalition(shopper).tier.code == "friend"
    assert TierChange.objects.filter(to_tier__code="friend", qualifying_spend=Decimal("12000")).exists()


def test_grace_period_then_requalifying_keeps_the_tier(shopper):
    setting("loyalty.tier_grace_days", 10)
    give_points(shopper, 1200)
    account = coalition(shopper)
    services.tier_recalculate(account=account)
    LedgerEntry.objects.filter(account=account).update(created_at=timezone.now() - datetime.timedelta(days=400))
    assert services.tier_recalculate(account=account) is None
    assert coalition(shopper).tier_grace_until is not None
    give_points(shopper, 1100)  # qualifies again inside the grace period
    assert services.tier_recalculate(account=account, now=timezone.now() + datetime.timedelta(days=5)) is None
    account = coalition(shopper)
    assert account.tier.code == "friend" and account.tier_grace_until is None


def test_no_grace_demotes_at_once(shopper):
    setting("loyalty.tier_grace_days", 0)
    give_points(shopper, 1200)
    account = coalition(shopper)
    services.tier_recalculate(account=account)
    LedgerEntry.objects.filter(account=account).update(created_at=timezone.now() - datetime.timedelta(days=400))
    change = services.tier_recalculate(account=account)
    assert change.to_tier.code == "beginner" and not change.after_grace


def test_a_sale_never_demotes_an_account_in_grace(merchant, shopper):
    give_points(shopper, 5200)
    account = coalition(shopper)
    services.tier_recalculate(account=account)
    LedgerEntry.objects.filter(account=account).update(created_at=timezone.now() - datetime.timedelta(days=400))
    services.tier_recalculate(account=account)  # vip, in grace
    sale(merchant, shopper, "g-1", "100")
    assert coalition(shopper).tier.code == "vip"


def test_a_tier_birthday_bonus_replaces_the_networks():
    today = timezone.localdate()
    born = UserFactory(birth_date=today.replace(year=1990), email="tier-born@example.kg")
    give_points(born, 1200)
    services.tier_recalculate(account=coalition(born))
    Tier.objects.filter(code="friend", merchant__isnull=True).update(birthday_bonus=900)
    assert services.birthday_bonuses_award(today=today) == 1
    assert coalition(born).entries.filter(source="birthday", points=900).exists()


def test_the_requalification_job_is_scheduled_nightly_and_covers_merchant_ladders(shopper):
    assert ("loyalty.tasks.loyalty_tiers_recalculate", "2", "30") in [(t, h, m) for _n, t, h, m in SCHEDULES]
    program = ProgramFactory()
    Tier.objects.create(merchant=program.merchant, code="base", name="Base", min_points=0, order=1)
    sale(program.merchant, shopper, "r-1", "100")
    services.tiers_recalculate_all()
    assert Account.objects.get(customer=shopper, merchant=program.merchant).tier.code == "base"


def test_merchant_staff_cannot_add_a_coalition_tier(client):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    from skypark.accounts.tests.factories import MembershipFactory

    membership = MembershipFactory()
    membership.user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="loyalty", codename__in=["view_tier", "add_tier"])
    )
    client.force_login(membership.user)
    form = {"code": "mine", "name_ru": "Мой", "name": "Mine", "min_points": 7, "min_spend": "0", "multiplier": "1.00"}
    form.update({"discount_percent": "0", "colour": "#999999", "order": 0, "free_services": "[]"})
    client.post(reverse("admin:loyalty_tier_add"), form)
    assert not Tier.objects.filter(code="mine", merchant__isnull=True).exists()
    client.post(reverse("admin:loyalty_tier_add"), {**form, "merchant": membership.merchant.pk})
    assert Tier.objects.filter(code="mine", merchant=membership.merchant).exists()
