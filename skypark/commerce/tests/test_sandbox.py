"""The sandbox card flow, end to end through the Django test client."""

import json
import time

import pytest
from django.urls import reverse

from skypark.audit.models import AuditEntry
from skypark.commerce import signals
from skypark.commerce.models import Order, Payment
from skypark.commerce.providers import sandbox

from .factories import pending_order

pytestmark = pytest.mark.django_db

CALLBACK_URL = "/pay/sandbox/callback/"


@pytest.fixture
def customer(customer):
    # Pages would otherwise redirect the customer to their profile language's URL.
    customer.language = "en"
    customer.save(update_fields=["language"])
    return customer


@pytest.fixture
def paid_signals():
    calls = []

    def handler(sender, order, **kwargs):
        calls.append(order.pk)

    signals.order_paid.connect(handler, weak=False)
    yield calls
    signals.order_paid.disconnect(handler)


@pytest.fixture
def deliveries(client, monkeypatch):
    """Make the acquirer deliver its callback over HTTP to the callback view (instead of
    in-process), and keep what it sent so a test can replay it."""
    sent = []

    def deliver(body, header):
        sent.append((body, header))
        response = client.post(
            CALLBACK_URL, data=body, content_type="application/json", headers={"X-Sandbox-Signature": header}
        )
        assert response.status_code == 200, response.content
        return response

    monkeypatch.setattr(sandbox, "callback_deliver", deliver)
    return sent


def _start(client, order, method="visa"):
    response = client.post(reverse("commerce:order-pay", args=[order.reference]), {"choice": f"sandbox:{method}"})
    assert response.status_code == 302
    assert response["Location"].startswith("/pay/sandbox/")
    return response["Location"]


def test_pay_page_lists_providers_and_only_shows_own_orders(client, customer):
    order = pending_order(customer)
    client.force_login(customer)
    response = client.get(reverse("commerce:order-pay", args=[order.reference]))
    assert response.status_code == 200
    assert b"sandbox:visa" in response.content and b"cash:cash" in response.content
    assert order.reference.encode() in response.content

    other = pending_order()
    assert client.get(reverse("commerce:order-pay", args=[other.reference])).status_code == 404
    assert (
        client.post(reverse("commerce:order-pay", args=[other.reference]), {"choice": "sandbox:visa"}).status_code
        == 404
    )
    assert not Payment.objects.exists()


def test_pay_page_needs_login(client):
    order = pending_order()
    response = client.get(reverse("commerce:order-pay", args=[order.reference]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_sandbox_flow_end_to_end(client, customer, deliveries, paid_signals, django_capture_on_commit_callbacks):
    order = pending_order(customer)
    client.force_login(customer)
    page_url = _start(client, order)

    page = client.get(page_url)
    assert page.status_code == 200
    assert b"4242 4242 4242 4242" in page.content and "1,580\xa0som".encode() in page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url, {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("commerce:order-result", args=[order.reference])

    order.refresh_from_db()
    payment = order.payments.get()
    assert order.status == Order.Status.PAID
    assert payment.status == Payment.Status.COMPLETED and payment.metadata["sandbox_transaction"].startswith("sbxt_")
    assert paid_signals == [order.pk]

    result = client.get(response["Location"])
    assert result.status_code == 200 and b"payment has been received" in result.content

    # The acquirer retries the same callback: nothing changes.
    audit_count = AuditEntry.objects.count()
    [(body, header)] = deliveries
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            CALLBACK_URL, data=body, content_type="application/json", headers={"X-Sandbox-Signature": header}
        )
    assert again.status_code == 200 and again.json()["status"] == "completed"
    assert paid_signals == [order.pk]
    assert AuditEntry.objects.count() == audit_count
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    # The hosted page no longer takes the card.
    closed = client.post(page_url, {"card_number": "4242424242424242", "expiry": "12/30", "cvc": "123"})
    assert closed.status_code == 200 and b"no longer open" in closed.content
    assert len(deliveries) == 1


def test_declined_card_fails_the_payment_and_keeps_the_order(client, customer, deliveries, paid_signals):
    order = pending_order(customer)
    client.force_login(customer)
    page_url = _start(client, order, method="mastercard")
    response = client.post(page_url, {"card_number": "4000 0000 0000 0002", "expiry": "01/29", "cvc": "999"})
    assert response.status_code == 302
    order.refresh_from_db()
    payment = order.payments.get()
    assert payment.status == Payment.Status.FAILED and payment.method == "mastercard"
    assert order.status == Order.Status.PENDING_PAYMENT
    assert paid_signals == []
    result = client.get(response["Location"])
    assert b"did not go through" in result.content and b"Pay for this order" in result.content


def test_unknown_card_is_a_form_error(client, customer, deliveries):
    order = pending_order(customer)
    client.force_login(customer)
    page_url = _start(client, order)
    response = client.post(page_url, {"card_number": "5555 5555 5555 4444", "expiry": "13/30", "cvc": "1"})
    assert response.status_code == 200
    assert b"test card" in response.content and b"MM/YY" in response.content
    assert deliveries == []
    assert order.payments.get().status == Payment.Status.PROCESSING


def test_hosted_page_with_a_forged_token_is_404(client):
    assert client.get("/pay/sandbox/not-a-token/").status_code == 404


def _signed_callback(payment, outcome="succeeded", timestamp=None):
    body, _header = sandbox.callback_build(payment, outcome)
    return body, sandbox.signature_header(body, timestamp)


def _payment(order):
    from skypark.commerce.services import payment_start

    payment, _ = payment_start(order=order, provider="sandbox", method="visa")
    return payment


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, header: (body, header.replace("v1=", "v1=0")),
        lambda body, header: (body, header[:-1] + ("0" if header[-1] != "0" else "1")),
        lambda body, header: (body.replace(b'"amount":"1580.00"', b'"amount":"1.00"'), header),
        lambda body, header: (body, ""),
        lambda body, header: (body, "t=abc,v1=def"),
        lambda body, header: (body, header.split(",")[1]),
    ],
    ids=["bad-mac", "flipped-char", "altered-body", "missing", "garbage", "no-timestamp"],
)
def test_callback_with_bad_signature_is_refused(client, paid_signals, tamper):
    order = pending_order()
    payment = _payment(order)
    body, header = tamper(*_signed_callback(payment))
    response = client.post(
        CALLBACK_URL, data=body, content_type="application/json", headers={"X-Sandbox-Signature": header}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("bad_signature", "stale_signature")
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.PROCESSING and order.status == Order.Status.PENDING_PAYMENT
    assert paid_signals == []


def test_replayed_old_callback_is_refused(client):
    order = pending_order()
    payment = _payment(order)
    body, header = _signed_callback(payment, timestamp=int(time.time()) - 3600)
    response = client.post(
        CALLBACK_URL, data=body, content_type="application/json", headers={"X-Sandbox-Signature": header}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "stale_signature"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_signed_callback_for_another_payment_is_refused(client):
    payment = _payment(pending_order())
    body = json.dumps(
        {
            "type": "payment.succeeded",
            "payment_id": payment.pk,
            "session": "sbx_other",
            "amount": str(payment.amount),
            "currency": "KGS",
        }
    ).encode()
    response = client.post(
        CALLBACK_URL,
        data=body,
        content_type="application/json",
        headers={"X-Sandbox-Signature": sandbox.signature_header(body)},
    )
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PROCESSING


def test_callback_view_only_takes_post(client):
    assert client.get(CALLBACK_URL).status_code == 405


def test_cash_choice_shows_instructions(client, customer):
    order = pending_order(customer)
    client.force_login(customer)
    response = client.post(reverse("commerce:order-pay", args=[order.reference]), {"choice": "cash:cash"}, follow=True)
    assert response.status_code == 200
    assert b"at the desk" in response.content
    assert order.payments.get().status == Payment.Status.PENDING


def test_flow_for_a_customer_browsing_in_russian(client, django_capture_on_commit_callbacks):
    from skypark.accounts.tests.factories import UserFactory

    customer = UserFactory(language="ru")
    order = pending_order(customer)
    client.force_login(customer)
    assert client.get(f"/ru/pay/{order.reference}/").status_code == 200
    response = client.post(f"/ru/pay/{order.reference}/", {"choice": "sandbox:visa"})
    card_url = response["Location"]
    assert "/pay/sandbox/" in card_url
    assert client.get(card_url, follow=True).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(card_url, {"card_number": "4242424242424242", "expiry": "12/30", "cvc": "123"}, follow=True)
    assert done.status_code == 200
    assert done.redirect_chain[-1][0].endswith(f"/pay/{order.reference}/result/")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
