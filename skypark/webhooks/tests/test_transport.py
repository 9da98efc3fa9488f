"""Partner-supplied URLs cannot make the server call itself or its neighbours."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest import mock

import pytest

from skypark.webhooks import transport
from skypark.webhooks.transport import UnsafeUrl, url_check

REFUSED = [
    "http://127.0.0.1:5432/",
    "http://localhost:8000/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/hook",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://017700000001/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://[2002:7f00:1::1]/",
    "ftp://example.com/",
    "file:///etc/passwd",
    "http://user:pass@93.184.215.14/",
    "http:///nohost",
    "http://[not-an-ip/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_internal_numeric_and_odd_urls_are_refused(url):
    with pytest.raises(UnsafeUrl):
        url_check(url)


def _resolving_to(*addresses):
    return mock.patch.object(
        socket, "getaddrinfo", return_value=[(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 443)) for a in addresses]
    )


def test_a_name_is_refused_when_any_of_its_addresses_is_private():
    with _resolving_to("93.184.215.14", "10.1.2.3"), pytest.raises(UnsafeUrl, match="private or reserved"):
        url_check("https://partner.example/hook")
    with _resolving_to("93.184.215.14"):
        target = url_check("https://partner.example/hook?x=1")
    assert (target.address, target.host, target.port, target.path) == (
        "93.184.215.14",
        "partner.example",
        443,
        "/hook?x=1",
    )


def test_https_is_required_where_configured(settings):
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    with _resolving_to("93.184.215.14"), pytest.raises(UnsafeUrl, match="https"):
        url_check("http://partner.example/hook")


class Receiver:
    def __init__(self, status=200, location=None):
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                outer.requests.append(
                    (self.path, dict(self.headers), self.rfile.read(int(self.headers["Content-Length"])))
                )
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(b"internal secret reply " * 100)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    r = Receiver()
    yield r
    r.close()


def test_without_the_explicit_setting_a_loopback_receiver_is_never_called():
    r = Receiver()
    try:
        answer = transport.post(f"http://127.0.0.1:{r.port}/hook", body=b"{}", headers={}, timeout=2)
    finally:
        r.close()
    assert answer.refused and answer.status is None and r.requests == []


def test_post_connects_to_the_checked_address_not_a_second_lookup(receiver):
    """DNS rebinding: the name is resolved once, checked, and that address is dialled;
    a second answer (here: a private one) is never consulted."""
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", receiver.port))]])
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "hooks.partner.test":
            return next(answers)  # a second call would raise StopIteration
        return real(host, *args, **kwargs)

    with mock.patch.object(socket, "getaddrinfo", side_effect=resolve):
        answer = transport.post(
            f"http://hooks.partner.test:{receiver.port}/in?a=1", body=b'{"x":1}', headers={"X-Test": "1"}, timeout=2
        )
    assert answer.ok and answer.status == 200
    path, headers, body = receiver.requests[0]
    assert path == "/in?a=1" and body == b'{"x":1}'
    assert headers["Host"] == f"hooks.partner.test:{receiver.port}" and headers["X-Test"] == "1"


def test_redirects_are_not_followed_and_the_reply_is_not_kept(settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    target = Receiver()
    redirecting = Receiver(status=302, location=f"http://127.0.0.1:{target.port}/")
    try:
        answer = transport.post(f"http://127.0.0.1:{redirecting.port}/", body=b"{}", headers={}, timeout=2)
    finally:
        target.close()
        redirecting.close()
    assert answer.status == 302 and not answer.ok and target.requests == []
    assert answer.error == "HTTP 302" and "secret" not in repr(answer)


@pytest.mark.django_db
def test_an_endpoint_url_is_checked_when_saved_and_a_delivery_to_it_fails_at_once(settings):
    from django.core.exceptions import ValidationError

    from skypark.webhooks.models import WebhookDelivery
    from skypark.webhooks.services import webhook_deliver

    from .factories import DeliveryFactory, EndpointFactory

    endpoint = EndpointFactory(url="http://169.254.169.254/latest/")
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert "url" in refused.value.message_dict
    delivery = DeliveryFactory(endpoint=endpoint)
    assert webhook_deliver(delivery_id=delivery.pk) == WebhookDelivery.Status.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status_code is None
    assert delivery.last_error.startswith("refused: ")
