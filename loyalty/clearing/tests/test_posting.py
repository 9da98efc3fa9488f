"""Every coalition movement posts a balanced journal entry naming who funds it and who
benefits, by the rule in force at its time."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from loyalty import services as loyalty
from loyalty.clearing import services
from loyalty.clearing.errors import FundingMismatch, UnbalancedEntry
from loyalty.clearing.models import ClearingRule, FundingRule, JournalEntry, Posting
from loyalty.clearing.services.journal import Leg, money, scaled_opposite
from loyalty.models import Coupon, LedgerEntry
from loyalty.tests.factories import CouponFactory, ProgramFactory, PromoFactory, give_points

from .conftest import cents

pytestmark = pytest.mark.django_db
Role = Posting.Role


def legs(entry):
    return {(p.merchant_id, p.role): p.amount for p in entry.postings.all()}


def sale(merchant, customer, external_id, amount, **kwargs):
    tx, _created = loyalty.pos_transaction_record(
        merchant=merchant, customer=customer, external_id=external_id, amount=Decimal(amount), **kwargs
    )
    return tx


def test_an_earn_charges_the_issuer_and_funds_the_liability(coalition, partners, shopper):
    coffee = partners[0]
    sale(coffee, shopper, "t1", "1000.00")  # 100 points
    entry = JournalEntry.objects.get(kind="earn")
    assert entry.points == 100 and entry.merchant == coffee
    assert legs(entry) == {
        (coffee.pk, Role.ISSUED): Decimal("-100.00"),
        (coffee.pk, Role.FEE): Decimal("-5.00"),
        (None, Role.FEE): Decimal("5.00"),
        (None, Role.LIABILITY): Decimal("80.00"),
        (None, Role.SPREAD): Decimal("20.00"),
    }
    assert cents(entry.postings.aggregate(s=Sum("amount"))["s"]) == 0
    assert set(entry.postings.values_list("currency", flat=True)) == {"KGS"}


def test_a_redemption_elsewhere_pays_the_acceptor_from_the_liability(coalition, partners, shopper):
    coffee, books, _ = partners
    sale(coffee, shopper, "t1", "1000.00")
    loyalty.pos_points_redeem(merchant=books, customer=shopper, points=40, reference="r1")
    entry = JournalEntry.objects.get(kind="redeem")
    assert legs(entry) == {(None, Role.LIABILITY): Decimal("-32.00"), (books.pk, Role.REDEEMED): Decimal("32.00")}


def test_expiry_is_breakage_for_the_owner_the_rule_names(coalition, partners, shopper):
    coffee = partners[0]
    ClearingRule.objects.update(breakage_owner="issuer")
    sale(coffee, shopper, "t1", "300.00")
    LedgerEntry.objects.filter(kind="earned").update()
    from loyalty.models import PointLot

    PointLot.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert loyalty.points_expire() == 30
    entry = JournalEntry.objects.get(kind="expire")
    assert legs(entry) == {(None, Role.LIABILITY): Decimal("-24.00"), (coffee.pk, Role.BREAKAGE): Decimal("24.00")}


def test_a_refund_reverses_its_share_of_the_earn_under_the_original_rule(coalition, partners, shopper):
    coffee = partners[0]
    tx = sale(coffee, shopper, "t1", "1000.00")
    # A price change after the sale does not touch what the sale cost.
    ClearingRule.objects.create(
        coalition=coalition,
        effective_from=timezone.now(),
        price_per_point=Decimal("9"),
        value_per_point=Decimal("9"),
    )
    loyalty.pos_transaction_refund(pos_transaction=tx, amount=Decimal("250.00"))
    reversal = JournalEntry.objects.get(kind="reverse")
    assert reversal.points == -25 and reversal.reverses.kind == "earn"
    assert legs(reversal) == {
        (coffee.pk, Role.ISSUED): Decimal("25.00"),
        (coffee.pk, Role.FEE): Decimal("1.25"),
        (None, Role.FEE): Decimal("-1.25"),
        (None, Role.LIABILITY): Decimal("-20.00"),
        (None, Role.SPREAD): Decimal("-5.00"),
    }


def test_a_void_gives_back_spent_points_and_undoes_the_redemption(coalition, partners, shopper):
    coffee, books, _ = partners
    sale(coffee, shopper, "t1", "1000.00")
    tx = sale(books, shopper, "t2", "500.00", points_to_redeem=50)
    loyalty.pos_transaction_void(pos_transaction=tx)
    redeem = JournalEntry.objects.get(kind="redeem")
    give_back = JournalEntry.objects.get(kind="reverse", reverses=redeem)
    assert legs(give_back) == {(None, Role.LIABILITY): Decimal("40.00"), (books.pk, Role.REDEEMED): Decimal("-40.00")}


def test_rules_are_effective_dated_per_partner(coalition, partners, shopper):
    coffee, books, _ = partners
    ClearingRule.objects.create(
        coalition=coalition,
        merchant=books,
        effective_from=timezone.now() - datetime.timedelta(days=1),
        price_per_point=Decimal("2.00"),
        value_per_point=Decimal("0.80"),
    )
    ClearingRule.objects.create(
        coalition=coalition,
        merchant=coffee,
        effective_from=timezone.now() + datetime.timedelta(days=1),
        price_per_point=Decimal("3.00"),
        value_per_point=Decimal("0.80"),
    )
    sale(coffee, shopper, "t1", "100.00")
    sale(books, shopper, "t2", "100.00")
    issued = dict(Posting.objects.filter(role=Role.ISSUED).values_list("merchant_id", "amount"))
    assert issued == {coffee.pk: Decimal("-10.00"), books.pk: Decimal("-20.00")}


def test_bonus_points_are_funded_by_the_operator(coalition, shopper):
    give_points(shopper, 50)
    entry = JournalEntry.objects.get()
    assert legs(entry) == {(None, Role.ISSUED): Decimal("-40.00"), (None, Role.LIABILITY): Decimal("40.00")}


def test_a_merchants_own_programme_is_not_cleared(coalition, partners, shopper):
    own = partners[2]
    ProgramFactory(merchant=own)
    sale(own, shopper, "t1", "1000.00")
    assert LedgerEntry.objects.exists()
    assert not JournalEntry.objects.exists()


def test_without_a_coalition_nothing_is_posted(partners, shopper):
    sale(partners[0], shopper, "t1", "1000.00")
    assert not JournalEntry.objects.exists()


def test_a_cross_promo_coupon_is_funded_by_the_split_its_chain_names(coalition, partners, shopper):
    coffee, books, _ = partners
    promo = PromoFactory(source_merchant=coffee, target_merchant=books)
    FundingRule.objects.create(
        coalition=coalition,
        promo=promo,
        effective_from=timezone.now() - datetime.timedelta(days=1),
        funding="split",
        issuer_percent=Decimal("50"),
        acceptor_percent=Decimal("30"),
        operator_percent=Decimal("20"),
    )
    coupon = CouponFactory(
        merchant=books, customer=shopper, kind=Coupon.Kind.FIXED, value=Decimal("33.33"), promo=promo
    )
    loyalty.coupon_redeem(code=coupon.code, customer=shopper, merchant=books, amount=Decimal("500"), reference="c1")
    entry = JournalEntry.objects.get(kind="coupon")
    # 16.665 → 16.66 and 6.666 → 6.67 (half-even, once); the acceptor's share balances.
    assert legs(entry) == {
        (books.pk, Role.RECEIVED): Decimal("33.33"),
        (coffee.pk, Role.FUNDED): Decimal("-16.66"),
        (None, Role.FUNDED): Decimal("-6.67"),
        (books.pk, Role.FUNDED): Decimal("-10.00"),
    }


def test_a_network_coupon_is_funded_by_the_rule_default(coalition, partners, shopper):
    books = partners[1]
    ClearingRule.objects.update(coupon_funding="operator")
    coupon = CouponFactory(kind=Coupon.Kind.FIXED, value=Decimal("50"))
    loyalty.coupon_redeem(code=coupon.code, customer=shopper, merchant=books, amount=Decimal("500"))
    assert legs(JournalEntry.objects.get(kind="coupon")) == {
        (books.pk, Role.RECEIVED): Decimal("50.00"),
        (None, Role.FUNDED): Decimal("-50.00"),
    }


def test_offer_funding_posts_the_parties_shares_once(coalition, partners):
    coffee, books, _ = partners
    funders = {coffee: Decimal("30.00"), None: Decimal("10.00"), books: Decimal("20.00")}
    first = services.post_offer_funding(reference="offer:1:tx:9", acceptor=books, discount="60", funders=funders)
    again = services.post_offer_funding(reference="offer:1:tx:9", acceptor=books, discount="60", funders=funders)
    assert first.pk == again.pk
    assert cents(first.postings.aggregate(s=Sum("amount"))["s"]) == 0
    reversal = services.reverse_offer_funding(reference="offer:1:tx:9", share=Decimal("0.5"))
    assert cents(reversal.postings.aggregate(s=Sum("amount"))["s"]) == 0
    assert legs(reversal)[(books.pk, Role.RECEIVED)] == Decimal("-30.00")
    with pytest.raises(FundingMismatch):
        services.post_offer_funding(reference="offer:2", acceptor=books, discount="60", funders={coffee: 59})


def test_the_service_refuses_an_unbalanced_entry(coalition):
    with pytest.raises(UnbalancedEntry):
        services.entry_post(
            coalition=coalition, kind="adjust", legs=[Leg(None, Role.SPREAD, Decimal("1.00")), Leg(None, "fee", 0)]
        )
    assert not JournalEntry.objects.exists()


def test_a_scaled_reversal_rounds_each_leg_once_and_still_balances():
    class P:
        def __init__(self, merchant_id, role, amount, points=0):
            self.merchant_id, self.role, self.amount, self.points = merchant_id, role, Decimal(amount), points

    original = [P(1, "issued", "-33.33", 33), P(None, "liability", "26.66"), P(None, "spread", "6.67")]
    undone = scaled_opposite(original, Decimal(1) / Decimal(3))
    assert [leg.amount for leg in undone] == [Decimal("11.11"), Decimal("-8.89"), Decimal("-2.22")]
    assert sum(leg.amount for leg in undone) == 0
    assert money(Decimal("0.125")) == Decimal("0.12") and money(Decimal("0.135")) == Decimal("0.14")
