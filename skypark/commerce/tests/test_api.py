import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from skypark.commerce.models import Order, Payment

from .factories import paid_order, pending_order

pytestmark = pytest.mark.django_db


def test_my_orders_only_mine_and_paginated(customer_client, customer):
    mine = [pending_order(customer) for _ in range(3)]
    pending_order()
    response = customer_client.get("/api/v1/orders/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [o["reference"] for o in body["results"]] == [o.reference for o in reversed(mine)]
    assert body["results"][0]["lines"][0]["total"] == "1580.00"
    assert body["results"][0]["total"] == "1580.00"


def test_my_orders_query_count_is_constant(customer_client, customer):
    for _ in range(3):
        pending_order(customer)
    with CaptureQueriesContext(connection) as few:
        assert customer_client.get("/api/v1/orders/").status_code == 200
    for _ in range(27):
        pending_order(customer)
    with CaptureQueriesContext(connection) as many:
        response = customer_client.get("/api/v1/orders/")
    assert response.json()["count"] == 30
    assert len(many) == len(few)


def test_order_detail(customer_client, customer):
    order = paid_order(customer)
    response = customer_client.get(f"/api/v1/orders/{order.reference.lower()}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "paid" and body["payments"][0]["status"] == "completed"


def test_someone_elses_order_is_a_json_404(customer_client):
    other = pending_order()
    for response in (
        customer_client.get(f"/api/v1/orders/{other.reference}/"),
        customer_client.post(f"/api/v1/orders/{other.reference}/pay/", {"provider": "sandbox", "method": "visa"}),
        customer_client.post(f"/api/v1/orders/{other.reference}/cancel/"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert Order.objects.get(pk=other.pk).status == Order.Status.PENDING_PAYMENT
    assert not Payment.objects.exists()


def test_anonymous_is_401(api_client):
    response = api_client.get("/api/v1/orders/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_pay_returns_a_redirect(customer_client, customer):
    order = pending_order(customer)
    response = customer_client.post(f"/api/v1/orders/{order.reference}/pay/", {"provider": "sandbox", "method": "visa"})
    assert response.status_code == 201
    body = response.json()
    assert body["redirect_url"].startswith("http://testserver/pay/sandbox/")
    # The hosted page's link carries the acquirer's session, as an acquirer's links do.
    assert body["redirect_url"].endswith("?session=" + Payment.objects.get().external_id)
    assert body["payment"]["status"] == "processing" and body["payment"]["amount"] == "1580.00"


def test_pay_cash_returns_instructions(customer_client, customer):
    order = pending_order(customer)
    response = customer_client.post(f"/api/v1/orders/{order.reference}/pay/", {"provider": "cash", "method": "cash"})
    assert response.status_code == 201
    assert order.reference in response.json()["instructions"]


@pytest.mark.parametrize(
    "data,code,status",
    [
        ({"provider": "sandbox"}, "validation_error", 400),
        ({"provider": "sandbox", "method": "bitcoin"}, "validation_error", 400),
        ({"provider": "paypal", "method": "visa"}, "provider_unavailable", 400),
        ({"provider": "cash", "method": "visa"}, "method_not_supported", 400),
        ({"provider": "sandbox", "method": "visa", "return_url": "https://evil.example/"}, "invalid_return_url", 400),
    ],
)
def test_pay_errors(customer_client, customer, data, code, status):
    order = pending_order(customer)
    response = customer_client.post(f"/api/v1/orders/{order.reference}/pay/", data)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert not Payment.objects.exists()


def test_validation_error_shape(customer_client, customer):
    order = pending_order(customer)
    response = customer_client.post(f"/api/v1/orders/{order.reference}/pay/", {"provider": "sandbox"})
    assert response.json()["error"]["details"]["method"][0]["code"] == "required"


def test_pay_for_a_paid_order_is_409(customer_client, customer):
    order = paid_order(customer)
    response = customer_client.post(f"/api/v1/orders/{order.reference}/pay/", {"provider": "sandbox", "method": "visa"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "order_not_payable"


def test_cancel(customer_client, customer):
    order = pending_order(customer)
    response = customer_client.post(f"/api/v1/orders/{order.reference}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_cancel_paid_order_is_illegal(customer_client, customer):
    order = paid_order(customer)
    response = customer_client.post(f"/api/v1/orders/{order.reference}/cancel/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["details"] == {"from": "paid", "to": "cancelled"}
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_providers(customer_client):
    body = customer_client.get("/api/v1/payment-providers/").json()
    assert {p["name"] for p in body} == {"elqr", "mbank", "omoney", "elcard", "sandbox", "cash"}
    elqr = next(p for p in body if p["name"] == "elqr")
    assert elqr["methods"] == ["elqr"] and elqr["simulated"] is True and "simulator" in elqr["label"]


def test_schema_includes_orders(admin_client_logged):
    response = admin_client_logged.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/orders/{reference}/pay/" in paths and "/api/v1/orders/" in paths
