"""Stripe Checkout: the session call is replaced, the webhook is signed locally with
Stripe's scheme (``t=<ts>,v1=HMAC-SHA256(secret, f"{t}.{payload}")``)."""

import hashlib
import hmac
import json
import time
from decimal import Decimal
from unittest import mock

import pytest

from skypark.commerce import signals
from skypark.commerce.errors import ProviderError
from skypark.commerce.models import Order, Payment
from skypark.commerce.providers import get_provider
from skypark.commerce.providers.stripe import StripeProvider, minor_units
from skypark.commerce.services import order_refund, payment_start

from .factories import pending_order

pytestmark = pytest.mark.django_db

WEBHOOK_URL = "/pay/stripe/webhook/"
SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def stripe_on(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def session_create():
    with mock.patch.object(
        StripeProvider,
        "session_create",
        return_value={"id": "cs_test_123", "url": "https://checkout.stripe.com/c/pay/cs_test_123"},
    ) as create:
        yield create


def sign(payload: str, secret=SECRET, timestamp=None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event(event_type="checkout.session.completed", session_id="cs_test_123", payment_status="paid"):
    return json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": event_type,
            "data": {
                "object": {
                    "id": session_id,
                    "object": "checkout.session",
                    "payment_status": payment_status,
                    "payment_intent": "pi_123",
                }
            },
        }
    )


def post(client, payload, header):
    return client.post(WEBHOOK_URL, data=payload, content_type="application/json", headers={"Stripe-Signature": header})


def test_stripe_is_enabled_by_its_key(settings):
    assert get_provider("stripe").name == "stripe"


def test_start_creates_a_checkout_session(session_create):
    order = pending_order()
    payment, action = payment_start(order=order, provider="stripe", method="visa")
    assert action.redirect_url == "https://checkout.stripe.com/c/pay/cs_test_123"
    assert payment.external_id == "cs_test_123" and payment.status == Payment.Status.PROCESSING
    params = session_create.call_args.args[0]
    assert params["line_items"][0]["price_data"] == {
        "currency": "kgs",
        "unit_amount": 158000,
        "product_data": {"name": f"Order {order.reference}"},
    }
    assert params["success_url"].startswith("http") and params["client_reference_id"] == order.reference
    assert session_create.call_args.kwargs["idempotency_key"] == f"skypark-payment-{payment.pk}"


def test_minor_units():
    assert minor_units(Decimal("12.34"), "GBP") == 1234
    assert minor_units(Decimal("500"), "JPY") == 500


def test_webhook_with_good_signature_pays_the_order(client, session_create, django_capture_on_commit_callbacks):
    order = pending_order()
    payment_start(order=order, provider="stripe", method="visa")
    paid = []
    signals.order_paid.connect(handler := (lambda sender, order, **kw: paid.append(order.pk)), weak=False)
    try:
        payload = event()
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, payload, sign(payload))
            again = post(client, payload, sign(payload))
    finally:
        signals.order_paid.disconnect(handler)
    assert response.status_code == 200 and response.json()["outcome"] == "completed"
    assert again.status_code == 200
    order.refresh_from_db()
    payment = order.payments.get()
    assert order.status == Order.Status.PAID and paid == [order.pk]
    assert payment.metadata["stripe_payment_intent"] == "pi_123"


@pytest.mark.parametrize(
    "header",
    [
        lambda p: sign(p, secret="whsec_wrong"),
        lambda p: sign(p + " "),
        lambda p: sign(p, timestamp=int(time.time()) - 3600),
        lambda p: "",
        lambda p: "garbage",
    ],
    ids=["wrong-secret", "other-payload", "too-old", "missing", "garbage"],
)
def test_webhook_with_bad_signature_is_400(client, session_create, header):
    order = pending_order()
    payment_start(order=order, provider="stripe", method="visa")
    payload = event()
    response = post(client, payload, header(payload))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_webhook_expired_session_fails_the_payment(client, session_create):
    order = pending_order()
    payment, _ = payment_start(order=order, provider="stripe", method="visa")
    payload = event("checkout.session.expired", payment_status="unpaid")
    assert post(client, payload, sign(payload)).json()["outcome"] == "failed"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED


def test_webhook_ignores_other_events_and_unknown_sessions(client):
    payload = event("customer.created")
    assert post(client, payload, sign(payload)).json()["outcome"] == "ignored"
    payload = event(session_id="cs_unknown")
    assert post(client, payload, sign(payload)).json()["outcome"] == "unknown_session"


def test_webhook_without_configured_secret_is_400(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = event()
    assert post(client, payload, sign(payload)).status_code == 400


def test_refund_goes_through_stripe(client, session_create, django_capture_on_commit_callbacks):
    order = pending_order()
    payment_start(order=order, provider="stripe", method="visa")
    payload = event()
    post(client, payload, sign(payload))
    with mock.patch.object(
        StripeProvider, "refund_create", return_value={"id": "re_1", "status": "succeeded"}
    ) as create:
        [refund] = order_refund(order=order, amount="100.00", reason="x")
    assert create.call_args.args[0] == {"payment_intent": "pi_123", "amount": 10000}
    assert refund.external_id == "re_1"


def test_stripe_error_on_start_writes_nothing():
    import stripe

    order = pending_order()
    with mock.patch.object(StripeProvider, "session_create", side_effect=stripe.APIConnectionError("offline")):
        with pytest.raises(ProviderError):
            payment_start(order=order, provider="stripe", method="visa")
    assert not Payment.objects.exists()
