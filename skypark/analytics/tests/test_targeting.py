"""RFM segments as offer targets: the analytics side of the core's segment port."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from skypark.accounts.tests.factories import MerchantFactory
from skypark.analytics import selectors
from skypark.analytics.rfm import rfm_snapshot_create
from skypark.analytics.targeting import AnalyticsSegments
from skypark.core import segments

from .helpers import customer
from .test_rfm import DAY, _fact


@pytest.fixture(autouse=True)
def _no_cached_answers():
    cache.clear()
    yield
    cache.clear()


def test_the_segment_of_a_customer_is_read_from_the_latest_snapshot(store):
    store.insert("transaction_facts", [_fact(1, 1, 11, 1, "10.00"), _fact(2, 2, 11, 300, "10.00")])
    rfm_snapshot_create(day=DAY, engine=store)
    expected = {r["user_id"]: r["rfm_segment"] for r in selectors.rfm_customers(scope=0, day=DAY)}
    provider = AnalyticsSegments()
    assert provider.segment_of(customer_id=1) == expected[1]
    assert provider.segment_of(customer_id=2) == expected[2]
    assert provider.segment_of(customer_id=99) is None
    assert provider.segment_of(customer_id=1, merchant_id=11) is not None
    assert provider.segment_of(customer_id=1, merchant_id=12) is None


def test_without_a_snapshot_nobody_is_in_a_segment(store):
    assert AnalyticsSegments().segment_of(customer_id=1) is None


@pytest.mark.django_db
def test_an_offer_for_a_segment_applies_at_the_till_to_its_members_only(store):
    from loyalty import services as loyalty_services
    from loyalty.offers import services as offers

    member, other = customer(), customer()
    today = timezone.localdate()
    facts = [_fact(1, member.pk, 11, 0, "10.00"), _fact(2, other.pk, 11, 0, "10.00")]
    for i in range(3, 8):
        facts.append(_fact(i, other.pk, 11, 0, "10.00"))
    for fact in facts:
        fact["occurred_at"] = timezone.now() - datetime.timedelta(hours=1)
    store.insert("transaction_facts", facts)
    rfm_snapshot_create(day=today, engine=store)
    assert segments.get_provider().__class__ is AnalyticsSegments
    wanted = segments.segment_of(customer_id=member.pk)
    assert wanted and wanted != segments.segment_of(customer_id=other.pk)
    merchant = MerchantFactory()
    now = timezone.now()
    offer = offers.offer_create(
        merchant=merchant,
        name="Come back",
        kind="fixed",
        value=Decimal("100"),
        segment=wanted,
        valid_from=now - datetime.timedelta(days=1),
        valid_until=now + datetime.timedelta(days=1),
    )
    offers.offer_submit(offer=offer)
    offers.offer_approve(offer=offer, actor=None)
    got, _ = loyalty_services.pos_transaction_record(
        merchant=merchant, customer=member, external_id="seg-1", amount=Decimal("500")
    )
    missed, _ = loyalty_services.pos_transaction_record(
        merchant=merchant, customer=other, external_id="seg-2", amount=Decimal("500")
    )
    assert (got.discount, missed.discount) == (Decimal("100.00"), Decimal("0.00"))
