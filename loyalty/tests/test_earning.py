import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty import services
from loyalty.errors import NotEnoughPoints, ReferralNotAllowed
from loyalty.models import Account, LedgerEntry, Referral, Tier, TierChange
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.services import order_cancel, order_refund, orders_expire
from skypark.commerce.tests.factories import paid_order, pending_order
from skypark.core import loyalty as port
from skypark.notify.models import Notification

from .factories import give_points

Kind = LedgerEntry.Kind
pytestmark = pytest.mark.django_db


def coalition(customer):
    return Account.objects.get(customer=customer, merchant__isnull=True)


def test_tiers_seeded_by_migration():
    rows = list(
        Tier.objects.filter(merchant__isnull=True).values_list("code", "min_points", "multiplier", "discount_percent")
    )
    assert rows == [
        ("beginner", 0, Decimal("1.00"), Decimal("0.00")),
        ("friend", 1000, Decimal("1.50"), Decimal("5.00")),
        ("vip", 5000, Decimal("2.00"), Decimal("10.00")),
        ("platinum", 15000, Decimal("2.50"), Decimal("15.00")),
    ]
    assert Tier.objects.get(code="friend").name_ky == "Дос"


def test_paid_order_earns_one_point_per_10_som_once(shopper, on_commit):
    order = on_commit(paid_order, shopper, count=2, price="795.00")  # 1590 som
    entry = LedgerEntry.objects.get(kind=Kind.EARNED, reference=order.reference)
    assert entry.points == 159 and entry.source == "order" and entry.amount == Decimal("1590.00")
    assert services.points_earn_for_order(order=order) == entry, "a repeated signal earns nothing more"
    assert coalition(shopper).balance == 159


def test_tier_multiplier_applies_to_earning(shopper, on_commit):
    give_points(shopper, 1000, reference="seed")
    services.tier_recalculate(account=coalition(shopper))
    assert coalition(shopper).tier.code == "friend"
    order = on_commit(paid_order, shopper, count=1, price="1000.00")
    entry = LedgerEntry.objects.get(kind=Kind.EARNED, reference=order.reference)
    assert entry.points == 150 and entry.multiplier == Decimal("1.50")


def test_full_refund_reverses_the_points(shopper, on_commit):
    order = on_commit(paid_order, shopper, count=1, price="1000.00")
    assert coalition(shopper).balance == 100
    on_commit(order_refund, order=order)
    assert coalition(shopper).balance == 0
    reversal = LedgerEntry.objects.get(kind=Kind.REVERSED)
    assert reversal.points == -100 and reversal.source == "refund"


def test_partial_refunds_reverse_proportionally_and_once(shopper, on_commit):
    order = on_commit(paid_order, shopper, count=1, price="1000.00")
    on_commit(order_refund, order=order, amount=Decimal("250.00"))
    assert coalition(shopper).balance == 75
    order.refresh_from_db()
    services.points_reverse_for_order_refund(order=order)
    assert coalition(shopper).balance == 75, "a repeated signal reverses nothing more"
    on_commit(order_refund, order=order, amount=Decimal("750.00"))
    assert coalition(shopper).balance == 0


def test_refund_of_spent_points_records_the_shortfall_and_stays_at_zero(shopper, on_commit):
    order = on_commit(paid_order, shopper, count=1, price="1000.00")
    services.points_adjust(account=coalition(shopper), points=-80, reason="spent elsewhere", actor=None)
    on_commit(order_refund, order=order)
    account = coalition(shopper)
    assert account.balance == 0
    reversal = LedgerEntry.objects.get(kind=Kind.REVERSED)
    assert reversal.points == -20 and reversal.data["shortfall"] == 80
    assert services.ledger_mismatches() == []


def test_redeem_for_order_spends_and_release_gives_back_on_expiry(shopper, on_commit):
    give_points(shopper, 300)
    order = pending_order(shopper, count=1, price="790.00")
    assert port.get_provider().points_redeem_for_order(customer=shopper, points=200, order=order) == Decimal("200.00")
    assert coalition(shopper).balance == 100
    on_commit(orders_expire, now=timezone.now() + datetime.timedelta(hours=2))
    assert coalition(shopper).balance == 300
    assert LedgerEntry.objects.filter(kind=Kind.REVERSED, source="order_release").count() == 1
    services.points_release_for_order(order=order)
    assert coalition(shopper).balance == 300, "released once"


def test_release_on_cancel_and_overdraw_refused(shopper, on_commit):
    give_points(shopper, 50)
    order = pending_order(shopper, count=1, price="790.00")
    with pytest.raises(NotEnoughPoints):
        port.get_provider().points_redeem_for_order(customer=shopper, points=51, order=order)
    port.get_provider().points_redeem_for_order(customer=shopper, points=50, order=order)
    on_commit(order_cancel, order=order)
    assert coalition(shopper).balance == 50


def test_port_reports_tier_spendable_and_value(shopper):
    assert port.tier_for(shopper).code == "beginner"
    give_points(shopper, 5000)
    services.tier_recalculate(account=coalition(shopper))
    benefits = port.tier_for(shopper)
    assert benefits.code == "vip" and benefits.discount_percent == Decimal("10.00")
    assert benefits.discount_on(Decimal("1000")) == Decimal("100.00")
    provider = port.get_provider()
    assert provider.spendable_points(shopper) == 5000
    assert provider.points_value(10, "KGS") == Decimal("10.00")
    assert provider.points_value(10, "GBP") == Decimal("0.00")


def test_points_award_is_idempotent_per_source_and_reference(shopper):
    provider = port.get_provider()
    assert provider.points_award(customer=shopper, points=40, source="events", reference="reg-1") == 40
    assert provider.points_award(customer=shopper, points=40, source="events", reference="reg-1") == 0
    assert provider.points_award(customer=shopper, points=40, source="events", reference="reg-2") == 40
    assert coalition(shopper).balance == 80


def test_tier_upgrade_and_downgrade_are_logged_and_spending_does_not_demote(shopper):
    give_points(shopper, 1200)
    account = coalition(shopper)
    change = services.tier_recalculate(account=account)
    assert change.is_upgrade and change.to_tier.code == "friend"
    services.points_adjust(account=account, points=-1200, reason="spent", actor=None)
    assert services.tier_recalculate(account=account) is None
    assert coalition(shopper).tier.code == "friend"
    later = timezone.now() + datetime.timedelta(days=400)
    # Falling short starts the grace period (loyalty.tier_grace_days); its end demotes.
    assert services.tier_recalculate(account=account, now=later) is None
    assert coalition(shopper).tier.code == "friend" and coalition(shopper).tier_grace_until is not None
    change = services.tier_recalculate(account=account, now=later + datetime.timedelta(days=31))
    assert not change.is_upgrade and change.to_tier.code == "beginner" and change.after_grace
    assert coalition(shopper).tier_grace_until is None
    assert TierChange.objects.count() == 2


def test_birthday_bonus_once_a_year():
    today = timezone.localdate()
    born = UserFactory(birth_date=today.replace(year=1990), email="born@example.kg")
    UserFactory(birth_date=(today + datetime.timedelta(days=1)).replace(year=1990))
    assert services.birthday_bonuses_award(today=today) == 1
    assert services.birthday_bonuses_award(today=today) == 0
    account = coalition(born)
    assert account.balance == 500 and account.last_birthday_bonus_year == today.year
    sent = Notification.objects.filter(kind="loyalty.birthday_bonus", recipient=born)
    assert sent.count() == 2 and "500" in sent.first().subject, "e-mail and in-app, once"


def test_referral_rewarded_on_first_purchase_only(on_commit):
    referrer, friend = UserFactory(phone_verified=True), UserFactory(phone_verified=True)
    code = services.referral_code_get(customer=referrer)
    with pytest.raises(ReferralNotAllowed):
        services.referral_register(referred=referrer, code=code.code)
    services.referral_register(referred=friend, code=code.code.lower())
    on_commit(paid_order, friend, count=1, price="100.00")
    on_commit(paid_order, friend, count=1, price="100.00")
    assert coalition(referrer).balance == 300
    assert coalition(friend).balance == 100 + 10 + 10
    assert Referral.objects.get().status == Referral.Status.REWARDED
