"""The partner's webhook API: list, add, change, rotate, test and the delivery log, all
within the key's merchant; bad input answers 4xx with a code; secrets are shown once."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from skypark.accounts.services import api_key_issue
from skypark.accounts.tests.factories import MerchantFactory
from skypark.audit.models import AuditEntry
from skypark.webhooks import catalogue, services
from skypark.webhooks.models import WebhookDelivery, WebhookEndpoint
from skypark.webhooks.testing import expected_mac, macs

from .factories import DeliveryFactory, EndpointFactory

pytestmark = pytest.mark.django_db


def client_for(merchant, mode="live"):
    _key, plaintext = api_key_issue(merchant=merchant, name="k", actor=None, mode=mode)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Runs a block and then its on-commit callbacks (the delivery it queued)."""

    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


@pytest.fixture
def partner(merchant):
    return client_for(merchant)


def url(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs or None)


def test_add_shows_the_secret_once_and_lists_only_a_hint(partner, merchant, receiver):
    answer = partner.post(url("partner-webhooks"), {"url": receiver.url, "events": ["points.awarded"]}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert body["secret"] == endpoint.secret and endpoint.merchant == merchant
    assert (body["url"], body["events"], body["is_active"]) == (receiver.url, ["points.awarded"], True)
    listed = partner.get(url("partner-webhooks")).json()["results"]
    assert [e["id"] for e in listed] == [endpoint.pk]
    assert endpoint.secret not in str(listed) and listed[0]["secret_hint"].startswith(endpoint.secret[:6])
    detail = partner.get(url("partner-webhook", pk=endpoint.pk)).json()
    assert "secret" not in detail
    assert AuditEntry.objects.filter(action="webhooks.endpoint.created").exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"url": "http://10.0.0.5/hook"}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data/"}, "url"),
        ({"url": "http://127.0.0.1:5432/"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://partner.example/" + "a" * 5000}, "url"),
        ({"url": 42}, "url"),
        ({}, "url"),
        ({"url": "https://partner.example/h", "events": "points.awarded"}, "events"),
        ({"url": "https://partner.example/h", "events": ["no.such.event"]}, "events"),
        ({"url": "https://partner.example/h", "events": [{"a": 1}]}, "events"),
        ({"url": "https://partner.example/h", "events": ["points.awarded"] * 51}, "events"),
        ({"url": "https://partner.example/h", "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(partner, settings, payload, field):
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    answer = partner.post(url("partner-webhooks"), payload, format="json")
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]
    assert not WebhookEndpoint.objects.exists()


def test_nul_bytes_and_bad_json_are_refused(partner):
    nul = partner.post(url("partner-webhooks"), {"url": "https://partner.example/\u0000"}, format="json")
    assert nul.status_code == 400
    broken = partner.generic("POST", url("partner-webhooks"), b'{"url": ', content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "parse_error"
    assert not WebhookEndpoint.objects.exists()


def test_change_checks_the_url_as_adding_does(partner, merchant, settings):
    endpoint = EndpointFactory(merchant=merchant)
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    change = url("partner-webhook", pk=endpoint.pk)
    refused = partner.patch(change, {"url": "http://192.168.1.1/"}, format="json")
    assert refused.status_code == 400 and "url" in refused.json()["error"]["details"]
    assert partner.patch(change, {"is_active": "maybe"}, format="json").status_code == 400
    assert partner.patch(change, {"merchant": 5}, format="json").status_code == 400
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.is_active) == ("https://partner.example/hook", True)
    paused = partner.patch(change, {"is_active": False}, format="json")
    assert paused.status_code == 200 and paused.json()["is_active"] is False


def test_rotate_answers_the_new_secret_once_and_the_old_keeps_signing(partner, merchant, receiver, on_commit):
    endpoint = EndpointFactory(merchant=merchant, url=receiver.url)
    old = endpoint.secret
    answer = partner.post(url("partner-webhook-rotate", pk=endpoint.pk))
    assert answer.status_code == 200
    body = answer.json()
    endpoint.refresh_from_db()
    assert body["secret"] == endpoint.secret != old and body["secret_previous_until"]
    assert old not in answer.content.decode()
    # The test event is signed with both secrets during the overlap.
    sent = on_commit(lambda: partner.post(url("partner-webhook-test", pk=endpoint.pk)))
    assert sent.status_code == 202 and sent.json()["event"] == "webhook.test"
    ((headers, raw),) = receiver.requests
    signature = headers["X-Skypark-Signature"]
    assert set(macs(signature)) == {expected_mac(endpoint.secret, signature, raw), expected_mac(old, signature, raw)}


def test_a_test_event_reaches_the_endpoint_and_shows_in_the_log(partner, merchant, receiver, on_commit):
    endpoint = EndpointFactory(merchant=merchant, url=receiver.url, events=["points.awarded"])
    answer = on_commit(lambda: partner.post(url("partner-webhook-test", pk=endpoint.pk)))
    assert answer.status_code == 202
    assert len(receiver.requests) == 1 and receiver.requests[0][0]["X-Skypark-Event"] == "webhook.test"
    log = partner.get(url("partner-webhook-deliveries", pk=endpoint.pk)).json()["results"]
    assert [(d["event"], d["status"], d["last_status_code"]) for d in log] == [("webhook.test", "delivered", 200)]
    assert "internal reply" not in str(log)  # what the receiver answered is never kept
    delivered = partner.get(url("partner-webhook-deliveries", pk=endpoint.pk), {"status": "delivered"})
    assert len(delivered.json()["results"]) == 1
    bad = partner.get(url("partner-webhook-deliveries", pk=endpoint.pk), {"status": "lost"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"


def test_the_log_is_newest_first_and_only_of_that_endpoint(partner, merchant, django_assert_max_num_queries):
    endpoint, other = EndpointFactory(merchant=merchant), EndpointFactory(merchant=merchant)
    first, second = DeliveryFactory(endpoint=endpoint), DeliveryFactory(endpoint=endpoint)
    DeliveryFactory(endpoint=other)
    for _ in range(20):
        DeliveryFactory(endpoint=endpoint)
    with django_assert_max_num_queries(8):
        page = partner.get(url("partner-webhook-deliveries", pk=endpoint.pk)).json()
    ids = [d["id"] for d in page["results"]]
    assert len(ids) == 22 and ids.index(second.pk) < ids.index(first.pk)


def test_another_merchants_endpoint_is_a_404_everywhere(partner, merchant):
    theirs = EndpointFactory(merchant=MerchantFactory(), url="https://theirs.example/hook")
    DeliveryFactory(endpoint=theirs)
    before = WebhookEndpoint.objects.filter(pk=theirs.pk).values().get()
    calls = [
        ("get", url("partner-webhook", pk=theirs.pk)),
        ("patch", url("partner-webhook", pk=theirs.pk)),
        ("post", url("partner-webhook-rotate", pk=theirs.pk)),
        ("post", url("partner-webhook-test", pk=theirs.pk)),
        ("get", url("partner-webhook-deliveries", pk=theirs.pk)),
    ]
    for method, target in calls:
        answer = getattr(partner, method)(target, {"is_active": False}, format="json")
        assert answer.status_code == 404, (method, target, answer.status_code)
        assert answer.json()["error"]["code"] == "not_found"
        assert "theirs.example" not in answer.content.decode()
    assert partner.get(url("partner-webhooks")).json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).values().get() == before
    assert WebhookDelivery.objects.filter(endpoint=theirs).count() == 1


def test_a_test_key_manages_no_endpoints(merchant):
    EndpointFactory(merchant=merchant)
    test_client = client_for(merchant, mode="test")
    assert test_client.get(url("partner-webhooks")).json()["results"] == []
    refused = test_client.post(url("partner-webhooks"), {"url": "https://partner.example/h"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "live_key_required"


def test_without_a_key_nothing_is_answered(merchant):
    endpoint = EndpointFactory(merchant=merchant)
    assert APIClient().get(url("partner-webhooks")).status_code == 401
    assert APIClient().post(url("partner-webhook-rotate", pk=endpoint.pk)).status_code == 401


def test_the_schema_documents_the_operations_and_their_errors():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    create = schema["paths"]["/api/v1/partner/webhooks/"]["post"]
    assert {"201", "400", "403"} <= set(create["responses"])
    for path in ("rotate-secret/", "test/", "deliveries/", ""):
        operations = schema["paths"][f"/api/v1/partner/webhooks/{{id}}/{path}"]
        assert all("404" in op["responses"] for op in operations.values())
    assert services.TEST_EVENT in {event.name for event in catalogue.events()}
