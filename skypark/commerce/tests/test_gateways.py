"""The bank and wallet gateways (ELQR, MBank, O!Money, Elcard) through their simulators:
create → QR/redirect → signed notification → paid, declines, forged and replayed
notifications, lost notifications and timeouts settled by the status poll, refunds."""

import datetime
import json
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from skypark.audit.models import AuditEntry
from skypark.commerce import tasks
from skypark.commerce.elqr.parse import parse
from skypark.commerce.models import Order, Payment, PaymentNotification, SimulatedPayment
from skypark.commerce.providers import load_provider, simulator
from skypark.commerce.providers.gateway import ProviderTimeout, signature_header
from skypark.commerce.services import order_refund, payment_start
from skypark.commerce.settling import payments_poll

from .factories import pending_order

pytestmark = pytest.mark.django_db

GATEWAYS = ["elqr", "mbank", "omoney", "elcard"]


@pytest.fixture
def customer(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    return customer


@pytest.fixture
def deliveries(client, monkeypatch):
    """The simulator delivers its notifications over HTTP to the notification view, and
    the test keeps them to replay."""
    sent = []

    def deliver(provider_name, body, header):
        sent.append((provider_name, body, header))
        response = client.post(
            f"/pay/gateway/{provider_name}/notify/",
            data=body,
            content_type="application/json",
            headers={"X-Signature": header},
        )
        assert response.status_code == 200, response.content
        return response

    monkeypatch.setattr(simulator, "notification_deliver", deliver)
    return sent


def _choose(client, order, provider):
    response = client.post(reverse("commerce:order-pay", args=[order.reference]), {"choice": f"{provider}:{provider}"})
    assert response.status_code == 302, response.content
    return response["Location"]


def _simulator_url(order):
    payment = order.payments.order_by("-pk").first()
    return reverse("commerce:gateway-simulator", args=[payment.provider, payment.external_id])


def _state(order):
    order.refresh_from_db()
    payment = order.payments.order_by("-pk").first()
    return (
        order.status,
        payment.status,
        PaymentNotification.objects.count(),
        AuditEntry.objects.count(),
        SimulatedPayment.objects.get(reference=payment.external_id).status,
    )


def test_payment_page_names_each_method(client, customer):
    order = pending_order(customer)
    client.force_login(customer)
    html = client.get(reverse("commerce:order-pay", args=[order.reference])).content.decode()
    for value, name in [
        ("elqr:elqr", "ELQR"),
        ("mbank:mbank", "MBank"),
        ("omoney:omoney", "O!Money"),
        ("elcard:elcard", "Elcard"),
    ]:
        assert f'value="{value}"' in html
        assert f"{name} (simulator, no real money)" in html
    assert "pay-logo--elqr" in html
    # The card sandbox no longer pretends to be a wallet or ELQR.
    assert "sandbox:elqr" not in html and "sandbox:mbank" not in html


@pytest.mark.parametrize("provider", GATEWAYS)
def test_simulator_create_notify_paid(client, customer, deliveries, provider):
    order = pending_order(customer)
    client.force_login(customer)
    location = _choose(client, order, provider)
    payment = order.payments.get()
    assert payment.status == Payment.Status.PROCESSING and payment.provider == provider
    if provider == "elcard":
        assert location == _simulator_url(order)  # a hosted card page
    else:
        assert location == reverse("commerce:order-result", args=[order.reference])
        page = client.get(location)
        html = page.content.decode()
        assert "<svg" in html and _simulator_url(order) in html and "Simulator" in html
        assert page["Refresh"] == "5"
    simulator_page = client.get(_simulator_url(order))
    assert b"simulator" in simulator_page.content.lower()
    back = client.post(_simulator_url(order), {"outcome": "paid"})
    assert back.status_code == 302
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PAID and payment.status == Payment.Status.COMPLETED
    assert len(deliveries) == 1 and PaymentNotification.objects.filter(payment=payment).count() == 1
    result = client.get(back["Location"])
    assert "Refresh" not in result and b"Paid" in result.content


def test_elqr_payment_carries_a_dynamic_elqr_code(client, customer, deliveries):
    order = pending_order(customer)
    client.force_login(customer)
    _choose(client, order, "elqr")
    payment = order.payments.get()
    parsed = parse(payment.metadata["qr_payload"])
    assert parsed.is_dynamic and parsed.amount == f"{order.total:.2f}"
    assert parsed.currency == "417" and parsed.country == "KG"
    assert parsed.templates["62"]["01"] == order.reference
    assert parsed.templates["62"]["05"] == payment.external_id
    # On a phone the same screen offers the bank app's link instead of the QR.
    html = client.get(reverse("commerce:order-result", args=[order.reference])).content.decode()
    assert 'class="pay-app"' in html and payment.metadata["deeplink"] in html


@pytest.mark.parametrize("provider", GATEWAYS)
def test_simulator_decline_fails_and_keeps_the_order(client, customer, deliveries, provider):
    order = pending_order(customer)
    client.force_login(customer)
    _choose(client, order, provider)
    client.post(_simulator_url(order), {"outcome": "failed"})
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.payments.get().status == Payment.Status.FAILED


def test_forged_and_replayed_notifications_change_nothing(client, customer, deliveries):
    order = pending_order(customer)
    client.force_login(customer)
    _choose(client, order, "mbank")
    payment = order.payments.get()
    remote = SimulatedPayment.objects.get(reference=payment.external_id)
    body = json.dumps(
        {
            "id": "ntf_1",
            "reference": remote.reference,
            "status": "paid",
            "amount": str(remote.amount),
            "currency": "KGS",
        }
    ).encode()
    before = _state(order)
    url = "/pay/gateway/mbank/notify/"
    for header in (
        signature_header("not-the-secret", body),
        "",
        signature_header(load_provider("mbank").secret(), body, timestamp=int(time.time()) - 3600),
        signature_header(load_provider("omoney").secret(), body),
    ):
        response = client.post(url, data=body, content_type="application/json", headers={"X-Signature": header})
        assert response.status_code == 400
        assert _state(order) == before
    # Signed right but naming another amount: refused too.
    wrong = body.replace(str(remote.amount).encode(), b"1.00")
    header = signature_header(load_provider("mbank").secret(), wrong)
    response = client.post(url, data=wrong, content_type="application/json", headers={"X-Signature": header})
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_payment"
    assert _state(order) == before
    # The genuine one is accepted once; its replay is refused with nothing changed.
    client.post(_simulator_url(order), {"outcome": "paid"})
    paid = _state(order)
    assert paid[:2] == ("paid", "completed")
    _name, sent_body, sent_header = deliveries[0]
    replay = client.post(url, data=sent_body, content_type="application/json", headers={"X-Signature": sent_header})
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "replayed"
    assert _state(order) == paid


def test_garbage_notification_is_a_400_not_a_500(client):
    response = client.post("/pay/gateway/elqr/notify/", data=b"\xff\x00", content_type="application/json")
    assert response.status_code == 400
    assert client.post("/pay/gateway/nope/notify/", data=b"{}", content_type="application/json").status_code == 404


def test_lost_notification_is_settled_by_the_poll(client, customer, deliveries):
    order = pending_order(customer)
    client.force_login(customer)
    _choose(client, order, "omoney")
    client.post(_simulator_url(order), {"outcome": "paid_silent"})
    assert deliveries == []
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    # Too early: a notification may still come.
    assert payments_poll() == {}
    heard = payments_poll(now=timezone.now() + datetime.timedelta(minutes=2))
    assert heard == {"paid": 1}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # Polling again changes nothing.
    payments_poll(now=timezone.now() + datetime.timedelta(minutes=3))
    assert order.payments.get().status == Payment.Status.COMPLETED


def test_create_timeout_leaves_the_order_pending_until_the_poll_settles(customer, monkeypatch):
    order = pending_order(customer)

    def timeout(self, **kwargs):
        raise ProviderTimeout()

    monkeypatch.setattr(simulator.SimulatorClient, "create", timeout)
    payment, action = payment_start(order=order, provider="elcard", method="elcard")
    assert payment.status == Payment.Status.PROCESSING and payment.external_id.startswith("elcard-")
    assert payment.metadata["create_timed_out"] is True
    assert action.redirect_url == reverse("commerce:order-result", args=[order.reference])
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert payments_poll(now=later) == {"pending": 1}
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    # The gateway did take the payment after all.
    SimulatedPayment.objects.create(
        provider="elcard", reference=payment.external_id, amount=payment.amount, currency="KGS", status="paid"
    )
    tasks.payments_poll.run()  # what beat would run; it only looks at older payments
    assert payments_poll(now=later) == {"paid": 1}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_refund_goes_back_through_the_gateway(client, customer, deliveries):
    order = pending_order(customer)
    client.force_login(customer)
    _choose(client, order, "elqr")
    client.post(_simulator_url(order), {"outcome": "paid"})
    order.refresh_from_db()
    refunds = order_refund(order=order, amount="500.00", reason="goodwill")
    remote = SimulatedPayment.objects.get(reference=order.payments.get().external_id)
    assert remote.refunded == refunds[0].amount
    assert refunds[0].external_id.startswith(remote.reference)


def test_late_payment_for_an_expired_generic_order_is_refunded(client, customer, deliveries):
    order = pending_order(customer)
    client.force_login(customer)
    _choose(client, order, "mbank")
    from skypark.commerce.services import orders_expire

    orders_expire(now=order.expires_at + datetime.timedelta(seconds=1))
    payment = order.payments.get()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    # The customer's app still pays the QR.
    client.post(_simulator_url(order), {"outcome": "paid"})
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.EXPIRED and payment.status == Payment.Status.REFUNDED
    assert SimulatedPayment.objects.get(reference=payment.external_id).refunded == payment.amount


def test_simulators_are_off_unless_allowed(settings, client, customer):
    settings.PAYMENT_SIMULATORS = False
    order = pending_order(customer)
    client.force_login(customer)
    html = client.get(reverse("commerce:order-pay", args=[order.reference])).content.decode()
    assert "elqr:elqr" not in html and "mbank:mbank" not in html


def test_refresh_can_be_switched_off(client, customer):
    order = pending_order(customer)
    client.force_login(customer)
    _choose(client, order, "elqr")
    url = reverse("commerce:order-result", args=[order.reference])
    assert client.get(url)["Refresh"] == "5"
    assert "Refresh" not in client.get(url + "?refresh=off")


def test_cashier_shows_a_dynamic_elqr_for_an_order(customer, admin_client_logged):
    from django.test import Client

    order = pending_order(customer)
    url = reverse("commerce:cashier-elqr")
    customer_client = Client()
    customer_client.force_login(customer)
    assert customer_client.get(url).status_code == 302  # staff only
    page = admin_client_logged.get(url, {"order": order.reference.lower()}, follow=True)
    assert page.status_code == 200 and b"<svg" in page.content  # the till's static code
    url = page.redirect_chain[-1][0].split("?")[0] if page.redirect_chain else url
    response = admin_client_logged.post(url, {"order": order.reference})
    assert response.status_code == 302
    payment = order.payments.get()
    assert payment.provider == "elqr" and parse(payment.metadata["qr_payload"]).templates["62"]["01"] == order.reference
    page = admin_client_logged.get(response["Location"], follow=True)
    assert page.content.count(b"<svg") == 2
    missing = admin_client_logged.get(url, {"order": "SP-NOPE"}, follow=True)
    assert "Заказа с таким номером нет".encode() in missing.content
