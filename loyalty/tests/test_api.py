from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from loyalty import services
from loyalty.models import ImportBatch, PosTransaction, ScanLog
from skypark.accounts.tests.factories import MerchantFactory, UserFactory, issue_key

from .factories import CouponFactory, ProgramFactory, card_code, give_points

pytestmark = pytest.mark.django_db


def partner(merchant):
    _key, plaintext = issue_key(merchant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


@pytest.fixture
def a(merchant):
    return partner(merchant)


@pytest.fixture
def b(other_merchant):
    return partner(other_merchant)


def tx_body(customer, external_id="till-1", amount="1000.00", **extra):
    return {"external_id": external_id, "customer_code": card_code(customer), "amount": amount, **extra}


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def test_partner_endpoints_need_an_api_key(shopper, customer_client):
    response = APIClient().post(url("partner-transactions"), tx_body(shopper), format="json")
    assert response.status_code in (401, 403) and "error" in response.json()
    assert customer_client.get(url("partner-transactions")).status_code in (401, 403)


def test_record_then_retry_returns_the_first_result_with_200(a, shopper):
    tea = [{"name": "Tea", "unit_price": "1000"}]
    first = a.post(url("partner-transactions"), tx_body(shopper, lines=tea), format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["points_earned"] == 100 and first.json()["lines"][0]["name"] == "Tea"
    retry = a.post(url("partner-transactions"), tx_body(shopper, lines=tea), format="json")
    assert retry.status_code == 200 and retry.json() == first.json()
    keyed = a.post(url("partner-transactions"), tx_body(shopper, "till-2"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = a.post(url("partner-transactions"), tx_body(shopper, "till-2"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert keyed.status_code == 201 and again.status_code == 200 and again.json() == keyed.json()
    assert PosTransaction.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"external_id": "till-9"},
        {"lines": [{"name": "Cake", "unit_price": "1000"}]},
        {"points_to_redeem": 1},
        {"amount": "999.00"},
    ],
)
def test_an_idempotency_key_reused_for_a_different_sale_is_409_and_records_nothing(a, shopper, change):
    """Stripe's rule: the key names one request. The same key with another body is refused
    with 409 ``idempotency_key_reused`` — never answered with the first sale as if the new
    one had been recorded."""
    from .factories import give_points

    give_points(shopper, 10)
    body = tx_body(shopper, "till-1", lines=[{"name": "Tea", "unit_price": "1000"}])
    assert a.post(url("partner-transactions"), body, format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    reused = a.post(url("partner-transactions"), {**body, **change}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert reused.status_code == 409, reused.json()
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert PosTransaction.objects.count() == 1


def test_an_external_id_sent_again_with_other_lines_is_a_conflict(a, shopper):
    body = tx_body(shopper, "till-1", lines=[{"name": "Tea", "unit_price": "1000"}])
    assert a.post(url("partner-transactions"), body, format="json").status_code == 201
    other = a.post(
        url("partner-transactions"), {**body, "lines": [{"name": "Cake", "unit_price": "1000"}]}, format="json"
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "external_id_conflict"


@pytest.mark.parametrize(
    "body, code",
    [
        ({"external_id": "x", "amount": "10"}, "validation_error"),
        ({"external_id": "x", "customer_code": "NOPE", "entry": "manual", "amount": "10"}, "customer_not_found"),
        ({"external_id": "x", "customer_code": "{code}", "amount": "abc"}, "validation_error"),
        ({"external_id": "x", "customer_code": "{code}", "amount": "-5"}, "validation_error"),
        ({"external_id": "x", "customer_code": "{code}", "amount": "10", "points_to_redeem": 5}, "not_enough_points"),
        ({"external_id": "x", "customer_code": "{code}", "amount": "10", "coupon_code": "NOSUCH"}, "coupon_not_found"),
    ],
)
def test_bad_payloads_get_4xx_json_with_machine_codes_and_write_nothing(a, shopper, body, code):
    body = {k: v.replace("{code}", card_code(shopper)) if isinstance(v, str) else v for k, v in body.items()}
    response = a.post(url("partner-transactions"), body, format="json")
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    assert not PosTransaction.objects.exists()


def test_external_id_reused_for_another_sale_is_409(a, shopper):
    a.post(url("partner-transactions"), tx_body(shopper), format="json")
    response = a.post(url("partner-transactions"), tx_body(shopper, amount="5.00"), format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "external_id_conflict"


# --- merchant A's key never reaches merchant B's data ---------------------------------------


@pytest.fixture
def b_tx(other_merchant, shopper):
    tx, _ = services.pos_transaction_record(
        merchant=other_merchant, customer=shopper, external_id="b-1", amount=Decimal("1000")
    )
    return tx


def test_list_shows_only_own_transactions(a, b_tx, merchant, shopper):
    services.pos_transaction_record(merchant=merchant, customer=shopper, external_id="a-1", amount=Decimal("10"))
    ids = [row["external_id"] for row in a.get(url("partner-transactions")).json()["results"]]
    assert ids == ["a-1"]
    assert a.get(url("partner-transactions"), {"external_id": "b-1"}).json()["results"] == []


def test_detail_refund_void_of_another_merchants_transaction_are_404(a, b_tx):
    for response in (
        a.get(url("partner-transaction-detail", "b-1")),
        a.post(url("partner-transaction-refund", "b-1"), {}, format="json"),
        a.post(url("partner-transaction-void", "b-1"), {}, format="json"),
    ):
        assert response.status_code == 404 and response.json()["error"]["code"] == "transaction_not_found"
    b_tx.refresh_from_db()
    assert b_tx.status == PosTransaction.Status.COMPLETED


def test_same_external_id_at_a_writes_its_own_row_not_bs(a, b_tx, shopper):
    response = a.post(url("partner-transactions"), tx_body(shopper, "b-1", amount="10.00"), format="json")
    assert response.status_code == 201
    b_tx.refresh_from_db()
    assert b_tx.amount == Decimal("1000.00") and PosTransaction.objects.filter(external_id="b-1").count() == 2


def test_balance_and_lookup_never_show_another_merchants_program(a, other_merchant, shopper):
    ProgramFactory(merchant=other_merchant)
    give_points(shopper, 700, merchant=other_merchant)
    for response in (
        a.get(url("partner-customer-balance", card_code(shopper))),
        a.post(url("partner-customer-lookup"), {"payload": card_code(shopper)}, format="json"),
    ):
        assert response.status_code == 200
        assert response.json()["account"] == "coalition" and response.json()["balance"] == 0


def test_redeem_points_cannot_spend_another_merchants_program_points(a, other_merchant, shopper):
    ProgramFactory(merchant=other_merchant)
    give_points(shopper, 700, merchant=other_merchant)
    response = a.post(
        url("partner-points-redeem"),
        {"customer_code": card_code(shopper), "points": 10, "reference": "r"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_enough_points"


def test_coupons_of_another_merchant_cannot_be_checked_or_redeemed(a, other_merchant, shopper):
    coupon = CouponFactory(merchant=other_merchant)
    body = {"code": coupon.code, "customer_code": card_code(shopper), "amount": "100"}
    for name in ("partner-coupon-validate", "partner-coupon-redeem"):
        response = a.post(url(name), body, format="json")
        assert response.status_code == 400 and response.json()["error"]["details"]["reason"] == "other_merchant"
    coupon.refresh_from_db()
    assert coupon.uses_count == 0


def test_imports_of_another_merchant_are_404(a, other_merchant):
    batch = ImportBatch.objects.create(merchant=other_merchant, rows=[{}], total_rows=1)
    response = a.get(url("partner-import-detail", batch.pk))
    assert response.status_code == 404


def test_scan_lookup_logs_ip_and_user_agent(a, merchant, shopper):
    payload = services.card_code_for(shopper).payload
    response = a.post(url("partner-customer-lookup"), {"payload": payload}, format="json", HTTP_USER_AGENT="Till/2")
    assert response.status_code == 200 and response.json()["customer_code"] == shopper.customer_code
    bad = a.post(url("partner-customer-lookup"), {"payload": payload + "X"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "card_code_invalid"
    log = ScanLog.objects.order_by("id").first()
    assert (log.merchant, log.customer, log.user_agent, log.ip_address) == (merchant, shopper, "Till/2", "127.0.0.1")


def test_refund_and_void_endpoints(a, shopper):
    a.post(url("partner-transactions"), tx_body(shopper), format="json")
    half = a.post(url("partner-transaction-refund", "till-1"), {"amount": "500.00"}, format="json")
    assert half.status_code == 200 and half.json()["status"] == "partially_refunded"
    too_much = a.post(url("partner-transaction-refund", "till-1"), {"amount": "900.00"}, format="json")
    assert too_much.status_code == 400 and too_much.json()["error"]["code"] == "refund_exceeds_refundable"
    void = a.post(url("partner-transaction-void", "till-1"), {}, format="json")
    assert void.status_code == 409 and void.json()["error"]["code"] == "transaction_not_refundable"


def test_points_redeem_and_coupon_endpoints(a, shopper):
    give_points(shopper, 100)
    body = {"customer_code": card_code(shopper), "points": 30, "reference": "r1"}
    first = a.post(url("partner-points-redeem"), body, format="json")
    assert first.json() == {"points": 30, "value": "30.00", "balance": 70, "reference": "r1", "currency": "KGS"}
    assert a.post(url("partner-points-redeem"), body, format="json").json()["balance"] == 70
    coupon = CouponFactory(max_uses=1)
    check = {"code": coupon.code, "customer_code": card_code(shopper), "amount": "200.00"}
    assert a.post(url("partner-coupon-validate"), check, format="json").json()["discount"] == "20.00"
    assert a.post(url("partner-coupon-redeem"), check, format="json").status_code == 200
    used = a.post(url("partner-coupon-redeem"), {**check, "reference": "again"}, format="json")
    assert used.status_code == 409 and used.json()["error"]["code"] == "coupon_exhausted"


def test_import_endpoint_queues_a_batch_and_refuses_a_bad_one(a, merchant, shopper):
    rows = [{"external_id": "c1", "customer_code": shopper.customer_code, "amount": "100"}]
    response = a.post(url("partner-import-create"), {"rows": rows}, format="json")
    assert response.status_code == 202 and response.json()["total_rows"] == 1
    services.import_batch_run(batch_id=response.json()["id"])
    done = a.get(url("partner-import-detail", response.json()["id"])).json()
    assert done["status"] == "done" and done["created_count"] == 1
    bad = a.post(url("partner-import-create"), {"rows": "nope"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"


def test_transaction_list_query_count_is_constant(a, merchant, django_assert_max_num_queries):
    for i in range(3):
        services.pos_transaction_record(
            merchant=merchant, customer=UserFactory(), external_id=f"q{i}", amount=Decimal("10")
        )
    with django_assert_max_num_queries(8) as few:
        a.get(url("partner-transactions"))
    for i in range(3, 25):
        services.pos_transaction_record(
            merchant=merchant, customer=UserFactory(), external_id=f"q{i}", amount=Decimal("10")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = a.get(url("partner-transactions"), {"min_amount": "5", "page_size": 50})
    assert len(response.json()["results"]) == 25


# --- customer API -------------------------------------------------------------------------


def test_my_loyalty_summary_history_and_coupons(customer_client, customer):
    give_points(customer, 1200)
    services.tier_recalculate(account=customer.loyalty_accounts.get())
    CouponFactory(customer=customer)
    CouponFactory(customer=UserFactory())
    summary = customer_client.get(url("my-loyalty")).json()
    assert summary["balance"] == 1200 and summary["tier"]["code"] == "friend"
    assert summary["next_tier"]["code"] == "vip" and summary["points_to_next_tier"] == 3800
    assert summary["card_payload"].startswith("card.")
    assert customer_client.get(url("my-loyalty-history")).json()["count"] == 1
    assert customer_client.get(url("my-loyalty-coupons")).json()["count"] == 1


def test_my_referral_refuses_own_code(customer_client, customer):
    code = services.referral_code_get(customer=customer).code
    response = customer_client.post(url("my-loyalty-referral"), {"code": code}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "referral_not_allowed"
    friend_code = services.referral_code_get(customer=UserFactory()).code
    assert customer_client.post(url("my-loyalty-referral"), {"code": friend_code}, format="json").status_code == 204


def test_history_query_count_is_constant(customer_client, customer, django_assert_max_num_queries):
    merchant = MerchantFactory()
    for _i in range(3):
        give_points(customer, 10)
    with django_assert_max_num_queries(6) as few:
        customer_client.get(url("my-loyalty-history"))
    for i in range(20):
        services.pos_transaction_record(
            merchant=merchant, customer=customer, external_id=f"h{i}", amount=Decimal("100")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        customer_client.get(url("my-loyalty-history"))


def test_scan_lookup_of_a_payload_with_non_ascii_characters_is_a_400_not_a_500(a, shopper):
    payload = services.card_code_for(shopper).payload
    a.raise_request_exception = False
    response = a.post(url("partner-customer-lookup"), {"payload": payload[:-1] + "\u2026"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "card_code_invalid"


def test_transaction_list_filter_with_an_offset_postgresql_refuses_is_not_a_500(a):
    a.raise_request_exception = False
    response = a.get(url("partner-transactions"), {"occurred_before": "0790-11-23T04:54:21-17:14"})
    assert response.status_code == 200
    assert response.json()["results"] == []
