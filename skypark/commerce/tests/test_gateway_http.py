"""The gateway client with credentials: the same shape over HTTP, against a stand-in
gateway served on a local port (the real banks are not reachable from tests)."""

import datetime
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from skypark.commerce.models import Order, Payment
from skypark.commerce.providers import load_provider
from skypark.commerce.providers.gateway import signature_verify
from skypark.commerce.services import order_refund, payment_start
from skypark.commerce.settling import payments_poll

from .factories import pending_order

pytestmark = pytest.mark.django_db

SECRET = "gateway-test-secret"


class FakeGateway(BaseHTTPRequestHandler):
    requests = []
    status = "pending"
    delay = 0.0

    def log_message(self, *args):
        pass

    def _answer(self, payload, code=200):
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _read(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        # The shop signs what it sends, the way the gateway signs its notifications.
        signature_verify(SECRET, body or b"{}", self.headers["X-Signature"])
        return json.loads(body or b"{}")

    def do_POST(self):
        time.sleep(self.delay)
        data = self._read()
        FakeGateway.requests.append((self.path, data, self.headers["X-Merchant-Id"]))
        if self.path == "/payments":
            return self._answer(
                {"redirect_url": "https://bank.example/pay/1", "qr": "QRDATA", "deeplink": "bankapp://pay/1"}
            )
        return self._answer({"id": f"refund-{data['id']}"})

    def do_GET(self):
        signature_verify(SECRET, b"{}", self.headers["X-Signature"])
        FakeGateway.requests.append((self.path, None, self.headers["X-Merchant-Id"]))
        return self._answer({"status": FakeGateway.status})


@pytest.fixture
def gateway(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeGateway.requests, FakeGateway.status, FakeGateway.delay = [], "pending", 0.0
    settings.PAYMENT_GATEWAYS = {
        **settings.PAYMENT_GATEWAYS,
        "mbank": {
            "API_URL": f"http://127.0.0.1:{server.server_address[1]}",
            "MERCHANT_ID": "M-42",
            "SECRET": SECRET,
            "TIMEOUT": 1,
        },
    }
    yield FakeGateway
    server.shutdown()
    server.server_close()


def test_create_status_and_refund_over_http(gateway):
    provider = load_provider("mbank")
    assert not provider.simulated and "simulator" not in provider.display_label
    order = pending_order()
    payment, action = payment_start(order=order, provider="mbank", method="mbank")
    path, sent, merchant = gateway.requests[0]
    assert path == "/payments" and merchant == "M-42"
    assert (
        sent["reference"] == payment.external_id
        and sent["amount"] == str(order.total)
        and sent["order"] == order.reference
    )
    assert payment.metadata["qr_payload"] == "QRDATA" and payment.metadata["deeplink"] == "bankapp://pay/1"
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert payments_poll(now=later) == {"pending": 1}
    gateway.status = "paid"
    assert payments_poll(now=later) == {"paid": 1}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    [refund] = order_refund(order=order, amount="100.00", reason="goodwill")
    assert refund.external_id == f"refund-{payment.external_id}-r{refund.pk}"
    assert gateway.requests[-1][0] == f"/payments/{payment.external_id}/refunds"


def test_a_slow_gateway_leaves_the_order_pending(gateway):
    gateway.delay = 1.5
    order = pending_order()
    payment, _action = payment_start(order=order, provider="mbank", method="mbank")
    assert payment.status == Payment.Status.PROCESSING and payment.metadata["create_timed_out"] is True
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
