"""Bounce reports through the signed endpoint, with sample payloads."""

import json
import time

import pytest
from django.core import mail

from skypark.accounts.tests.factories import UserFactory
from skypark.notify.bounces import signature_for
from skypark.notify.delivery import BOUNCE_HEADER, notification_deliver
from skypark.notify.models import Notification
from skypark.notify.services import notification_send

pytestmark = pytest.mark.django_db

URL = "/notify/bounces/"
SECRET = "bounce_secret_test"


@pytest.fixture(autouse=True)
def bounce_secret(settings):
    settings.EMAIL_BOUNCE_WEBHOOK_SECRET = SECRET
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def sent_email():
    user = UserFactory(email="anna@example.com")
    [note] = notification_send(recipient=user, kind="generic", context={"subject": "Hi", "body": "Hello"})
    notification_deliver(note.pk)
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT
    return note


def post(client, body, *, secret=SECRET, timestamp=None):
    raw = json.dumps(body).encode()
    header = signature_for(secret, int(time.time()) if timestamp is None else timestamp, raw)
    return client.post(URL, data=raw, content_type="application/json", headers={"X-Skypark-Signature": header})


def test_every_email_names_its_notification_in_a_header(sent_email):
    assert mail.outbox[-1].extra_headers[BOUNCE_HEADER] == str(sent_email.pk)


def test_a_permanent_bounce_marks_the_notification_bounced_once(client, sent_email):
    report = {
        "id": "bnc_1",
        "type": "bounce",
        "notification": str(sent_email.pk),
        "email": "anna@example.com",
        "bounce_type": "permanent",
        "diagnostic": "550 5.1.1 user unknown",
    }
    first = post(client, report)
    again = post(client, report)
    assert first.status_code == 200 and first.json()["results"] == [{"id": "bnc_1", "outcome": "bounced"}]
    assert again.json()["results"] == [{"id": "bnc_1", "outcome": "already"}]
    sent_email.refresh_from_db()
    assert sent_email.status == Notification.Status.BOUNCED and "user unknown" in sent_email.last_error
    # A bounced message is never picked up for delivery again.
    assert notification_deliver(sent_email.pk) is None


def test_a_report_without_the_header_is_matched_by_address(client, sent_email):
    response = post(client, {"events": [{"id": "bnc_2", "type": "complaint", "email": "ANNA@example.com"}]})
    assert response.json()["results"] == [{"id": "bnc_2", "outcome": "bounced"}]
    sent_email.refresh_from_db()
    assert sent_email.status == Notification.Status.BOUNCED


def test_a_transient_bounce_is_noted_and_the_message_stays_sent(client, sent_email):
    report = {
        "id": "bnc_3",
        "type": "bounce",
        "notification": str(sent_email.pk),
        "bounce_type": "transient",
        "diagnostic": "452 mailbox full",
    }
    assert post(client, report).json()["results"][0]["outcome"] == "noted"
    sent_email.refresh_from_db()
    assert sent_email.status == Notification.Status.SENT and "mailbox full" in sent_email.last_error


def test_an_unknown_address_is_acknowledged(client, sent_email):
    response = post(client, {"id": "bnc_4", "type": "bounce", "email": "nobody@example.com"})
    assert response.status_code == 200 and response.json()["results"][0]["outcome"] == "unknown_notification"


@pytest.mark.parametrize(
    "kwargs",
    [{"secret": "wrong"}, {"timestamp": int(time.time()) - 3600}],
    ids=["wrong-secret", "stale"],
)
def test_a_bad_signature_is_refused_and_changes_nothing(client, sent_email, kwargs):
    response = post(client, {"id": "bnc_5", "type": "bounce", "notification": str(sent_email.pk)}, **kwargs)
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_signature"
    sent_email.refresh_from_db()
    assert sent_email.status == Notification.Status.SENT


def test_reports_are_refused_when_no_secret_is_configured(client, settings, sent_email):
    settings.EMAIL_BOUNCE_WEBHOOK_SECRET = ""
    response = post(client, {"id": "bnc_6", "type": "bounce", "notification": str(sent_email.pk)}, secret="")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "bounce", "email": "a@b.c"}, "id"),
        ({"id": "x", "type": "delivery", "email": "a@b.c"}, "type"),
        ({"id": "x", "type": "bounce"}, "notification"),
        ({"events": []}, "events"),
    ],
)
def test_malformed_reports_get_a_clear_400(client, sent_email, body, field):
    response = post(client, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_report" and error["details"]["field"] == field


def test_a_body_that_is_not_json_gets_a_400(client):
    raw = b"not json"
    header = signature_for(SECRET, int(time.time()), raw)
    response = client.post(URL, data=raw, content_type="application/json", headers={"X-Skypark-Signature": header})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_report"
