"""Programs' webhook URLs become endpoints with the same secrets, and their deliveries
come along, when loyalty's own webhooks are removed."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("webhooks", "0001_endpoints_and_deliveries"), ("loyalty", "0006_webhook_secret_rotation")]
AFTER = [("webhooks", "0002_loyalty_endpoints"), ("loyalty", "0008_webhooks_moved_to_core")]


@pytest.mark.django_db(transaction=True)
def test_programs_with_a_url_become_endpoints_with_their_secrets_and_deliveries():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Merchant = old.get_model("accounts", "Merchant")
    Program = old.get_model("loyalty", "MerchantProgram")
    OldDelivery = old.get_model("loyalty", "WebhookDelivery")
    hooked, plain = Merchant.objects.create(name="A", code="a"), Merchant.objects.create(name="B", code="b")
    until = timezone.now() + datetime.timedelta(hours=3)
    Program.objects.create(
        merchant=hooked,
        webhook_url="https://a.example/hook",
        webhook_secret="whsec_new",
        webhook_secret_previous="whsec_old",
        webhook_secret_previous_until=until,
    )
    Program.objects.create(merchant=plain)
    sent = OldDelivery.objects.create(
        merchant=hooked,
        event="points.awarded",
        event_id="points.awarded:7",
        url="https://a.example/hook",
        payload={"event": "points.awarded", "id": "points.awarded:7", "data": {"points": 5}},
        status="delivered",
        attempts=2,
        last_status_code=200,
    )
    OldDelivery.objects.create(
        merchant=hooked, event="coupon.redeemed", event_id="coupon.redeemed:1", url="https://old.example/h", payload={}
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Endpoint = new.get_model("webhooks", "WebhookEndpoint")
    Delivery = new.get_model("webhooks", "WebhookDelivery")
    endpoint = Endpoint.objects.get(merchant_id=hooked.pk, is_active=True)
    assert (endpoint.url, endpoint.events, endpoint.secret, endpoint.secret_previous) == (
        "https://a.example/hook",
        [],
        "whsec_new",
        "whsec_old",
    )
    assert endpoint.secret_previous_until == until
    assert not Endpoint.objects.filter(merchant_id=plain.pk).exists()
    copied = Delivery.objects.get(event_id="points.awarded:7")
    assert copied.endpoint_id == endpoint.pk and copied.merchant_id == hooked.pk
    assert (copied.status, copied.attempts, copied.last_status_code, copied.payload) == (
        "delivered",
        2,
        200,
        sent.payload,
    )
    assert copied.created_at == sent.created_at
    retired = Delivery.objects.get(event_id="coupon.redeemed:1")
    assert Endpoint.objects.get(pk=retired.endpoint_id).is_active is False

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
