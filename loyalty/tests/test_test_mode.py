"""Test-mode keys (``sk_test_…``): the same API, what they record flagged as test, never in a
balance, the ledger, a coupon's count, a webhook or a statistic; each mode sees only its own
rows; the partner removes its test rows in bulk."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from loyalty import services
from loyalty.models import (
    Account,
    CouponRedemption,
    ImportBatch,
    LedgerEntry,
    MerchantDailyStats,
    PosTransaction,
    PosTransactionLine,
)
from skypark.accounts.models import MerchantApiKey
from skypark.accounts.services import api_key_issue
from skypark.accounts.tests.factories import UserFactory
from skypark.webhooks.models import WebhookDelivery
from skypark.webhooks.tests.factories import EndpointFactory

from .factories import CouponFactory, ProgramFactory, card_code, give_points

pytestmark = pytest.mark.django_db

TEST = MerchantApiKey.Mode.TEST
LIVE = MerchantApiKey.Mode.LIVE


def client_for(merchant, mode):
    _key, plaintext = api_key_issue(merchant=merchant, name=f"{mode} till", actor=None, mode=mode)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


@pytest.fixture
def live(merchant):
    return client_for(merchant, LIVE)


@pytest.fixture
def test(merchant):
    return client_for(merchant, TEST)


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def sale(client, customer, external_id="till-1", amount="1000.00", **extra):
    body = {"external_id": external_id, "customer_code": card_code(customer), "amount": amount, **extra}
    headers = {"HTTP_IDEMPOTENCY_KEY": extra.pop("key")} if "key" in extra else {}
    body.pop("key", None)
    return client.post(url("partner-transactions"), body, format="json", **headers)


def ledger(customer):
    return list(LedgerEntry.objects.filter(account__customer=customer).values_list("pk", "points", "balance_after"))


def balances(customer):
    return list(Account.objects.filter(customer=customer).values_list("pk", "balance", "tier_points", "tier_id"))


def test_keys_are_issued_in_either_mode_and_say_which(merchant, live, test):
    _key, plaintext = api_key_issue(merchant=merchant, name="t", actor=None, mode=TEST)
    assert plaintext.startswith("sk_test_")
    _key, plaintext = api_key_issue(merchant=merchant, name="l", actor=None)
    assert plaintext.startswith("sk_") and not plaintext.startswith("sk_test_")
    assert live.get(url("partner-me")).json()["mode"] == "live"
    assert test.get(url("partner-me")).json()["mode"] == "test"


def test_a_test_key_with_its_start_changed_is_refused(merchant):
    _key, plaintext = api_key_issue(merchant=merchant, name="t", actor=None, mode=TEST)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext.replace('sk_test_', 'sk_', 1)}")
    assert client.get(url("partner-me")).status_code == 401


def test_a_test_sale_leaves_the_balance_and_ledger_untouched(merchant, test, shopper):
    ProgramFactory(merchant=merchant, mode="network")
    give_points(shopper, 500)
    EndpointFactory(merchant=merchant)
    before_ledger, before_balances = ledger(shopper), balances(shopper)
    lines = [{"name": "Tea", "unit_price": "1000"}]
    response = sale(test, shopper, lines=lines, points_to_redeem=100)
    assert response.status_code == 201, response.json()
    body = response.json()
    # The same answer as a live sale: what it would earn and spend.
    assert body["is_test"] is True and body["points_redeemed"] == 100 and body["points_earned"] > 0
    assert body["lines"][0]["name"] == "Tea"
    assert ledger(shopper) == before_ledger and balances(shopper) == before_balances
    assert not WebhookDelivery.objects.exists()
    # Refunding and voiding it moves nothing either.
    assert (
        test.post(url("partner-transaction-refund", "till-1"), {"amount": "100.00"}, format="json").status_code == 200
    )
    assert test.post(url("partner-transaction-refund", "till-1"), {}, format="json").json()["status"] == "refunded"
    assert ledger(shopper) == before_ledger and balances(shopper) == before_balances


def test_a_test_sale_creates_no_points_account(merchant, test, shopper):
    assert sale(test, shopper).status_code == 201
    assert not Account.objects.filter(customer=shopper).exists()
    tx = PosTransaction.objects.get()
    assert tx.is_test and tx.account_id is None and tx.points_earned == 100


def test_a_test_key_is_refused_what_a_live_key_would_be(merchant, test, shopper):
    give_points(shopper, 50)
    response = sale(test, shopper, points_to_redeem=80)
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_enough_points"
    assert not PosTransaction.objects.exists()


def test_test_spending_and_coupons_count_nothing(merchant, test, shopper):
    give_points(shopper, 300)
    before = ledger(shopper)
    spent = test.post(
        url("partner-points-redeem"),
        {"customer_code": card_code(shopper), "points": 100, "reference": "gift-1"},
        format="json",
    )
    assert spent.status_code == 200 and spent.json()["balance"] == 200 and ledger(shopper) == before
    coupon = CouponFactory(code="ONCE", max_uses=1, max_uses_per_customer=1)
    redeem = {"code": "ONCE", "customer_code": card_code(shopper), "amount": "800.00", "reference": "r1"}
    assert test.post(url("partner-coupon-redeem"), redeem, format="json").status_code == 200
    coupon.refresh_from_db()
    assert coupon.uses_count == 0 and CouponRedemption.objects.get().is_test
    # In test mode the test use counts against the limit, as a live use would.
    again = {**redeem, "reference": "r2", "customer_code": card_code(shopper)}
    assert test.post(url("partner-coupon-redeem"), again, format="json").status_code == 409
    # A live redemption does not see it.
    live = client_for(merchant, LIVE)
    assert live.post(url("partner-coupon-redeem"), again, format="json").status_code == 200
    coupon.refresh_from_db()
    assert coupon.uses_count == 1


def test_each_mode_sees_only_its_own_rows(merchant, live, test, shopper):
    other = UserFactory()
    assert sale(live, shopper, "live-1").status_code == 201
    assert sale(test, other, "test-1").status_code == 201
    # The same external id and idempotency key in both modes: two sales, no conflict.
    assert sale(live, shopper, "both", key="k1").status_code == 201
    assert sale(test, shopper, "both", key="k1", amount="5.00").status_code == 201
    assert sale(test, shopper, "both", key="k1", amount="5.00").status_code == 200

    def ids(client, **params):
        body = client.get(url("partner-transactions"), {"page_size": 1, **params}).json()
        found = []
        while True:
            found += [(t["external_id"], t["amount"], t["is_test"]) for t in body["results"]]
            if not body["next"]:
                return sorted(found)
            body = client.get(body["next"]).json()

    assert ids(live) == [("both", "1000.00", False), ("live-1", "1000.00", False)]
    assert ids(test) == [("both", "5.00", True), ("test-1", "1000.00", True)]
    assert ids(test, updated_since="2000-01-01T00:00:00Z") == ids(test)
    assert live.get(url("partner-transaction-detail", "test-1")).status_code == 404
    assert test.get(url("partner-transaction-detail", "live-1")).status_code == 404
    assert test.post(url("partner-transaction-void", "live-1"), {}, format="json").status_code == 404
    customers = {c["customer_code"] for c in live.get(url("partner-customers")).json()["results"]}
    assert customers == {shopper.customer_code}
    customers = {c["customer_code"] for c in test.get(url("partner-customers")).json()["results"]}
    assert customers == {shopper.customer_code, other.customer_code}


def test_a_test_import_makes_test_transactions_seen_only_by_test_keys(merchant, live, test, shopper):
    rows = [{"external_id": "crm-1", "customer_code": shopper.customer_code, "amount": "100"}]
    batch = test.post(url("partner-import-create"), {"rows": rows}, format="json").json()
    assert batch["is_test"] is True
    services.import_batch_run(batch_id=batch["id"])
    done = test.get(url("partner-import-detail", batch["id"])).json()
    assert done["status"] == "done" and done["created_count"] == 1
    assert PosTransaction.objects.get(external_id="crm-1").is_test
    assert not LedgerEntry.objects.exists() and not Account.objects.filter(customer=shopper).exists()
    assert live.get(url("partner-import-detail", batch["id"])).status_code == 404
    assert live.get(url("partner-import-create")).json()["results"] == []
    assert [b["id"] for b in test.get(url("partner-import-create")).json()["results"]] == [batch["id"]]
    # The same rows imported live are new sales, not duplicates of the test ones.
    live_batch = live.post(url("partner-import-create"), {"rows": rows}, format="json").json()
    services.import_batch_run(batch_id=live_batch["id"])
    assert live.get(url("partner-import-detail", live_batch["id"])).json()["created_count"] == 1
    assert LedgerEntry.objects.filter(account__customer=shopper).count() == 1


def test_bulk_removal_removes_only_this_merchants_test_rows(merchant, other_merchant, live, test, shopper):
    other_test = client_for(other_merchant, TEST)
    assert sale(live, shopper, "live-1").status_code == 201
    assert sale(test, shopper, "test-1", lines=[{"name": "Tea", "unit_price": "1000"}]).status_code == 201
    assert sale(other_test, shopper, "theirs").status_code == 201
    CouponFactory(code="TESTME")
    redeem = {"code": "TESTME", "customer_code": card_code(shopper), "amount": "800.00", "reference": "r1"}
    assert test.post(url("partner-coupon-redeem"), redeem, format="json").status_code == 200
    rows = [{"external_id": "crm-1", "customer_code": shopper.customer_code, "amount": "100"}]
    test.post(url("partner-import-create"), {"rows": rows}, format="json")
    before = ledger(shopper)

    refused = live.delete(url("partner-test-data"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "test_key_required"
    assert PosTransaction.objects.filter(merchant=merchant, is_test=True).count() == 1

    removed = test.delete(url("partner-test-data"))
    assert removed.status_code == 200
    assert removed.json() == {"transactions": 1, "coupon_redemptions": 1, "imports": 1}
    assert list(PosTransaction.objects.values_list("merchant", "external_id", "is_test").order_by("pk")) == [
        (merchant.pk, "live-1", False),
        (other_merchant.pk, "theirs", True),
    ]
    assert not PosTransactionLine.objects.filter(transaction__is_test=True, transaction__merchant=merchant).exists()
    assert not CouponRedemption.objects.exists() and not ImportBatch.objects.exists()
    assert ledger(shopper) == before
    assert test.get(url("partner-transactions")).json()["results"] == []


def test_test_rows_are_no_analytics_fact_nor_statistic(merchant, live, test, shopper):
    from skypark.core.facts import fact_sources

    assert sale(live, shopper, "live-1", amount="300.00").status_code == 201
    assert sale(test, shopper, "test-1", amount="700.00").status_code == 201
    rows = fact_sources()["loyalty.pos_transactions"].changes(None, 100)
    assert [r["amount"] for r in rows] == [Decimal("300.00")]
    services.daily_aggregates_build()
    stats = MerchantDailyStats.objects.get(merchant=merchant)
    assert stats.transactions == 1 and stats.sales == Decimal("300.00")


def test_a_test_key_gets_no_analytics(test):
    assert test.get(url("partner-analytics-rfm")).json() == {"snapshot_date": None, "distribution": [], "segments": []}
    assert test.get(url("partner-analytics-matrix")).json()["rows"] == []


def test_test_lookups_are_logged_but_raise_no_fraud_flag(test, shopper):
    from loyalty.models import FraudFlag, ScanLog
    from skypark.config.selectors import get_int

    body = {"payload": shopper.customer_code, "entry": "manual"}
    for _ in range(get_int("loyalty.fraud_manual_entries") + 2):
        assert test.post(url("partner-customer-lookup"), body, format="json").status_code == 200
    assert ScanLog.objects.filter(customer=shopper).count() == get_int("loyalty.fraud_manual_entries") + 2
    assert set(ScanLog.objects.values_list("is_test", flat=True)) == {True}
    assert not FraudFlag.objects.exists()
