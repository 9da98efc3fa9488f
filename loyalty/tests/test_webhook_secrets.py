"""A webhook is never signed with an empty key, and a secret can be rotated without a
partner missing a delivery: both signatures go out while the rotation overlaps."""

import datetime
import hashlib
import hmac

import pytest
from django.utils import timezone

from loyalty import services
from loyalty.models import MerchantProgram, WebhookDelivery
from loyalty.services.webhooks import signing_secrets
from skypark.audit.models import AuditEntry

from .factories import ProgramFactory
from .test_partner_services import Receiver

pytestmark = pytest.mark.django_db


def _macs(header):
    return [part.split("=", 1)[1] for part in header.split(",") if part.startswith("v1=")]


def _expected(secret, header, body):
    timestamp = header.split(",")[0].split("=", 1)[1]
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def test_a_program_without_a_secret_gets_a_random_one_before_anything_is_sent(merchant):
    program = ProgramFactory(merchant=merchant, mode="network", webhook_url="https://partner.example/hook")
    assert program.webhook_secret == ""
    services.webhook_queue(merchant=merchant, event="x", event_id="e1", payload={})
    program.refresh_from_db()
    assert program.webhook_secret.startswith("whsec_") and len(program.webhook_secret) > 40


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(merchant, settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    receiver = Receiver()
    try:
        program = ProgramFactory(merchant=merchant, mode="network", webhook_url=receiver.url)
        old = services.program_webhook_secret_rotate(program=program, actor=None)
        new = services.program_webhook_secret_rotate(program=program, actor=None)
        assert old != new
        delivery = WebhookDelivery.objects.create(
            merchant=merchant, event="x", event_id="r1", url=receiver.url, payload={}
        )
        assert services.webhook_deliver(delivery_id=delivery.pk) == WebhookDelivery.Status.DELIVERED
        headers, body = receiver.requests[0]
        header = headers["X-Skypark-Signature"]
        assert _macs(header) == [_expected(new, header, body), _expected(old, header, body)]
    finally:
        receiver.close()
    program.refresh_from_db()
    later = timezone.now() + datetime.timedelta(hours=25)
    assert signing_secrets(program, now=later) == [new]
    rotation = AuditEntry.objects.filter(action="loyalty.webhook_secret.rotated").last()
    assert old not in str(rotation.after) and new not in str(rotation.after)


def test_the_admin_never_shows_the_secret_but_the_rotate_action_shows_the_new_one_once(admin_client_logged, merchant):
    program = ProgramFactory(merchant=merchant, mode="network", webhook_url="https://partner.example/hook")
    secret = services.program_webhook_secret_rotate(program=program, actor=None)
    page = admin_client_logged.get(f"/admin/loyalty/merchantprogram/{program.pk}/change/").content.decode()
    assert secret not in page and secret[-4:] in page
    response = admin_client_logged.post(
        "/admin/loyalty/merchantprogram/",
        {"action": "rotate_webhook_secret", "_selected_action": [program.pk]},
        follow=True,
    )
    program.refresh_from_db()
    assert program.webhook_secret != secret
    assert program.webhook_secret in response.content.decode()
    assert MerchantProgram.objects.get(pk=program.pk).webhook_secret_previous == secret
