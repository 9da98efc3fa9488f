"""The complete till: payment methods, pending → completed / failed / cancelled with points
only on completion, customer totals per merchant and network-wide, and the merchant plan's
limits."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from loyalty import services
from loyalty.errors import NotEnoughPoints, TransactionNotPending, TransactionNotRefundable
from loyalty.models import Account, CustomerTotals, LedgerEntry, PosTransaction
from skypark.accounts.models import MerchantMembership, MerchantPlan
from skypark.accounts.plans import PlanLimitReached, plan_allows, plan_check
from skypark.accounts.services import merchant_membership_add
from skypark.accounts.tests.factories import MerchantFactory, UserFactory, issue_key
from skypark.audit.models import AuditEntry

from .factories import card_code, give_points

pytestmark = pytest.mark.django_db


def partner(merchant):
    _key, plaintext = issue_key(merchant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def body(customer, external_id="till-1", amount="1000.00", **extra):
    return {"external_id": external_id, "customer_code": card_code(customer), "amount": amount, **extra}


def record(merchant, customer, external_id="s1", amount="1000.00", **extra):
    tx, _created = services.pos_transaction_record(
        merchant=merchant, customer=customer, external_id=external_id, amount=Decimal(amount), **extra
    )
    return tx


def totals(customer, merchant=None):
    return CustomerTotals.objects.get(customer=customer, merchant=merchant, currency="KGS")


# --- lifecycle --------------------------------------------------------------------------


def test_a_completed_sale_keeps_its_payment_method_and_earns(merchant, shopper):
    tx = record(merchant, shopper, payment_method="card", till_id="t1")
    assert (tx.status, tx.payment_method, tx.till_id, tx.points_earned) == ("completed", "card", "t1", 100)
    assert tx.completed_at is not None
    assert Account.objects.get(customer=shopper).balance == 100


def test_a_pending_sale_moves_nothing_until_it_completes(merchant, shopper):
    give_points(shopper, 50)
    tx = record(merchant, shopper, status="pending", points_to_redeem=50)
    account = Account.objects.get(customer=shopper)
    assert (tx.status, tx.points_earned, account.balance) == ("pending", 0, 50)
    assert not CustomerTotals.objects.exists()
    assert not LedgerEntry.objects.filter(kind="redeemed").exists()

    done, changed = services.pos_transaction_complete(pos_transaction=tx)
    account.refresh_from_db()
    assert changed and done.status == "completed" and done.completed_at
    assert (done.points_redeemed, done.discount, done.points_earned) == (50, Decimal("50.00"), 95)
    assert account.balance == 95
    assert totals(shopper, merchant).transactions == 1 and totals(shopper).total_spent == Decimal("1000.00")

    again, changed = services.pos_transaction_complete(pos_transaction=tx)
    account.refresh_from_db()
    assert not changed and again.status == "completed" and account.balance == 95
    assert totals(shopper).transactions == 1
    assert services.ledger_mismatches() == []


def test_a_pending_sale_that_cannot_pay_its_points_stays_pending(merchant, shopper):
    tx = record(merchant, shopper, status="pending", points_to_redeem=500)
    with pytest.raises(NotEnoughPoints):
        services.pos_transaction_complete(pos_transaction=tx)
    tx.refresh_from_db()
    assert (tx.status, tx.points_redeemed, tx.points_earned) == ("pending", 500, 0)
    assert not CustomerTotals.objects.exists()


@pytest.mark.parametrize("ending", ["cancelled", "failed"])
def test_a_cancelled_or_failed_sale_moves_nothing_and_cannot_complete(merchant, shopper, ending):
    tx = record(merchant, shopper, status="pending")
    ended, changed = services.pos_transaction_cancel(pos_transaction=tx, status=ending, reason="declined")
    assert changed and ended.status == ending
    again, changed = services.pos_transaction_cancel(pos_transaction=tx, status=ending)
    assert not changed
    with pytest.raises(TransactionNotPending):
        services.pos_transaction_complete(pos_transaction=tx)
    with pytest.raises(TransactionNotRefundable):
        services.pos_transaction_refund(pos_transaction=tx)
    assert Account.objects.get(customer=shopper).balance == 0
    assert not CustomerTotals.objects.exists()
    assert AuditEntry.objects.filter(action=f"loyalty.transaction.{ending}").count() == 1


def test_a_completed_sale_cannot_be_cancelled(merchant, shopper):
    tx = record(merchant, shopper)
    with pytest.raises(TransactionNotPending):
        services.pos_transaction_cancel(pos_transaction=tx)


def test_a_sale_recorded_as_failed_is_kept_for_the_record(merchant, shopper):
    tx = record(merchant, shopper, status="failed")
    assert tx.status == "failed" and tx.points_earned == 0 and tx.completed_at is None
    assert Account.objects.get(customer=shopper).balance == 0


# --- totals -----------------------------------------------------------------------------


def test_totals_per_merchant_and_network_follow_sales_refunds_and_voids(merchant, other_merchant, shopper):
    first = record(merchant, shopper, "a", "1000.00")
    record(merchant, shopper, "b", "500.00")
    record(other_merchant, shopper, "c", "200.00")
    assert totals(shopper, merchant).total_spent == Decimal("1500.00")
    assert totals(shopper, merchant).transactions == 2
    assert totals(shopper, other_merchant).transactions == 1
    network = totals(shopper)
    assert (network.total_spent, network.transactions) == (Decimal("1700.00"), 3)
    assert network.last_visit_at >= network.first_visit_at

    services.pos_transaction_refund(pos_transaction=first, amount=Decimal("400.00"))
    assert totals(shopper, merchant).total_spent == Decimal("1100.00")
    assert totals(shopper).transactions == 3
    services.pos_transaction_void(pos_transaction=PosTransaction.objects.get(external_id="c"))
    assert (totals(shopper).total_spent, totals(shopper).transactions) == (Decimal("1100.00"), 2)
    assert totals(shopper, other_merchant).transactions == 0


def test_a_test_key_sale_moves_no_totals(merchant, shopper):
    services.pos_transaction_record(
        merchant=merchant, customer=shopper, external_id="t", amount=Decimal("100"), test=True
    )
    assert not CustomerTotals.objects.exists()


# --- API ----------------------------------------------------------------------------------


def test_the_till_api_records_pending_then_completes_idempotently(merchant, shopper):
    a = partner(merchant)
    created = a.post(
        url("partner-transactions"), body(shopper, status="pending", payment_method="qr", till_id="2"), format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "pending" and created.json()["payment_method"] == "qr"
    assert created.json()["points_earned"] == 0 and created.json()["completed_at"] is None
    first = a.post(url("partner-transaction-complete", "till-1"))
    second = a.post(url("partner-transaction-complete", "till-1"))
    assert first.status_code == second.status_code == 200, first.json()
    assert first.json() == second.json() and first.json()["points_earned"] == 100
    cancel = a.post(url("partner-transaction-cancel", "till-1"), {}, format="json")
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "transaction_not_pending"


def test_the_till_api_cancels_a_pending_sale_as_failed(merchant, shopper):
    a = partner(merchant)
    a.post(url("partner-transactions"), body(shopper, status="pending"), format="json")
    response = a.post(url("partner-transaction-cancel", "till-1"), {"status": "failed", "reason": "declined"})
    assert response.status_code == 200 and response.json()["status"] == "failed"
    again = a.post(url("partner-transaction-cancel", "till-1"), {"status": "failed"})
    assert again.status_code == 200
    done = a.post(url("partner-transaction-complete", "till-1"))
    assert done.status_code == 409 and done.json()["error"]["details"]["status"] == "failed"


def test_another_merchants_pending_sale_is_a_404(merchant, other_merchant, shopper):
    partner(merchant).post(url("partner-transactions"), body(shopper, status="pending"), format="json")
    b = partner(other_merchant)
    assert b.post(url("partner-transaction-complete", "till-1")).status_code == 404
    assert b.post(url("partner-transaction-cancel", "till-1"), {}).status_code == 404
    assert PosTransaction.objects.get().status == "pending"


@pytest.mark.parametrize(
    "change",
    [
        {"payment_method": "gold"},
        {"payment_method": 7},
        {"status": "refunded"},
        {"status": ["pending"]},
        {"till_id": "x" * 65},
        {"till_id": "a\x00b"},
        {"device_id": "d\x00"},
        {"card_fingerprint": "c" * 100_000},
        {"device_id": {"id": 1}},
        {"points_to_redeem": "lots"},
        {"points_to_redeem": 10**12},
    ],
)
def test_bad_till_input_is_a_400_and_writes_nothing(merchant, shopper, change):
    response = partner(merchant).post(url("partner-transactions"), {**body(shopper), **change}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("validation_error", "invalid_characters")
    assert not PosTransaction.objects.exists()


def test_bad_cancel_input_is_a_400(merchant, shopper):
    a = partner(merchant)
    a.post(url("partner-transactions"), body(shopper, status="pending"), format="json")
    for bad in ({"status": "completed"}, {"reason": "r" * 300}, {"reason": "a\x00"}):
        response = a.post(url("partner-transaction-cancel", "till-1"), bad, format="json")
        assert response.status_code == 400, response.content
    assert PosTransaction.objects.get().status == "pending"


def test_device_and_card_are_stored_only_as_keyed_hashes(merchant, shopper):
    partner(merchant).post(
        url("partner-transactions"), body(shopper, device_id="phone-123", card_fingerprint="fp-abc"), format="json"
    )
    tx = PosTransaction.objects.get()
    assert tx.device_hash == services.fingerprint("phone-123") and len(tx.device_hash) == 32
    assert "phone-123" not in str(tx.__dict__) and "fp-abc" not in str(tx.__dict__)
    assert tx.card_hash == services.fingerprint("fp-abc") != tx.device_hash


def test_erasure_forgets_the_device_and_card_hashes(merchant, shopper):
    from loyalty.privacy import erase, export

    record(merchant, shopper, device_id="phone", card_fingerprint="card")
    exported = export(shopper)
    assert "device_hash" not in exported["transactions"][0] and exported["totals"]
    erase(shopper)
    tx = PosTransaction.objects.get()
    assert tx.device_hash == "" and tx.card_hash == ""


# --- plans ------------------------------------------------------------------------------


@pytest.fixture
def small_plan(db):
    return MerchantPlan.objects.create(
        code="start", name="Start", staff_seats=1, api_calls_per_month=3, active_offers=2
    )


def test_plan_allows_answers_for_the_offer_constructor(small_plan):
    merchant = MerchantFactory(plan=small_plan)
    assert plan_allows(merchant, "offers", 0) and plan_allows(merchant, "offers", 1)
    assert not plan_allows(merchant, "offers", 2)
    with pytest.raises(PlanLimitReached) as refused:
        plan_check(merchant, "offers", 2)
    assert refused.value.details == {"limit": "offers", "allowed": 2, "current": 2}
    assert plan_allows(MerchantFactory(), "offers", 10_000), "no plan, no limit"


def test_staff_seats_are_limited_by_the_plan(small_plan):
    merchant = MerchantFactory(plan=small_plan)
    merchant_membership_add(merchant=merchant, user=UserFactory(), role="owner", actor=None)
    with pytest.raises(PlanLimitReached):
        merchant_membership_add(merchant=merchant, user=UserFactory(), role="cashier", actor=None)
    assert MerchantMembership.objects.filter(merchant=merchant).count() == 1


def test_api_calls_beyond_the_plan_are_a_documented_429(small_plan, shopper):
    cache.clear()
    merchant = MerchantFactory(plan=small_plan)
    client = partner(merchant)
    answers = [client.get(url("partner-transactions")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get(url("partner-transactions"))
    assert refused.json()["error"]["code"] == "plan_api_calls_exhausted"
    other = partner(MerchantFactory(plan=small_plan))
    assert other.get(url("partner-transactions")).status_code == 200, "counted per merchant"
    cache.clear()


def test_the_schema_documents_the_plan_and_pending_errors(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    sale = schema["paths"]["/api/v1/partner/transactions/"]["post"]["responses"]
    assert "plan_api_calls_exhausted" in sale["429"]["x-error-codes"]
    complete = schema["paths"]["/api/v1/partner/transactions/{external_id}/complete/"]["post"]["responses"]
    assert "transaction_not_pending" in complete["409"]["x-error-codes"]


def test_a_crm_import_moves_the_totals_as_sales_do(merchant, shopper):
    other = UserFactory()
    rows = [
        {"external_id": "crm-1", "customer_code": shopper.customer_code, "amount": "450.00"},
        {"external_id": "crm-2", "customer_code": shopper.customer_code, "amount": "50.00"},
        {"external_id": "crm-3", "customer_code": other.customer_code, "amount": "10.00"},
    ]
    batch = services.import_batch_run(batch_id=services.import_batch_create(merchant=merchant, rows=rows).pk)
    assert batch.created_count == 3
    assert (totals(shopper, merchant).total_spent, totals(shopper, merchant).transactions) == (Decimal("500.00"), 2)
    assert totals(shopper).transactions == 2 and totals(other).total_spent == Decimal("10.00")
    assert PosTransaction.objects.filter(completed_at__isnull=True).count() == 0
    services.import_batch_run(batch_id=services.import_batch_create(merchant=merchant, rows=rows).pk)
    assert totals(shopper).transactions == 2, "an import run again counts nothing twice"


def test_the_merchants_transactions_filter_by_payment_method_and_till(merchant, shopper):
    record(merchant, shopper, "a", payment_method="cash", till_id="t1")
    record(merchant, shopper, "b", payment_method="card", till_id="t2")
    a = partner(merchant)
    cash = a.get(url("partner-transactions"), {"payment_method": "cash"}).json()["results"]
    assert [row["external_id"] for row in cash] == ["a"]
    till = a.get(url("partner-transactions"), {"till_id": "t2"}).json()["results"]
    assert [row["external_id"] for row in till] == ["b"]
    assert a.get(url("partner-transactions"), {"payment_method": "gold"}).status_code == 400


def test_merchant_staff_see_their_plan_but_cannot_change_it(client, merchant, small_plan):
    from django.contrib.auth.models import Permission

    from skypark.accounts.tests.factories import MembershipFactory

    merchant.plan = small_plan
    merchant.save()
    member = MembershipFactory(merchant=merchant).user
    member.is_staff = True
    member.save()
    member.user_permissions.add(*Permission.objects.filter(codename__in=["view_merchant", "change_merchant"]))
    client.force_login(member)
    page = client.get(reverse("admin:accounts_merchant_change", args=[merchant.pk]))
    assert page.status_code == 200
    assert "plan" not in page.context["adminform"].form.fields and "Start" in page.content.decode()
