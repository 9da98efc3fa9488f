"""The one webhook mechanism: what is recorded, when it is sent, how it is signed, how it
retries and gives up, and that an unsafe URL is refused when saved and when sent."""

import datetime
import json
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from skypark.accounts.tests.factories import MerchantFactory
from skypark.audit.models import AuditEntry
from skypark.webhooks import services, tasks
from skypark.webhooks.models import WebhookDelivery, WebhookEndpoint
from skypark.webhooks.testing import Receiver, expected_mac, macs

from .factories import DeliveryFactory, EndpointFactory

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


def emit(owner, event="points.awarded", event_id="points.awarded:1", payload=None):
    return services.webhook_emit(event=event, event_id=event_id, owner=owner, payload=payload or {"points": 5})


def test_emit_records_one_delivery_per_matching_active_endpoint_of_the_owner(merchant):
    every = EndpointFactory(merchant=merchant)
    points_only = EndpointFactory(merchant=merchant, events=["points.awarded"])
    EndpointFactory(merchant=merchant, events=["coupon.redeemed"])
    EndpointFactory(merchant=merchant, is_active=False)
    EndpointFactory()  # another merchant's
    emit(merchant)
    rows = WebhookDelivery.objects.order_by("endpoint_id")
    assert [d.endpoint_id for d in rows] == [every.pk, points_only.pk]
    assert rows[0].payload == {
        "event": "points.awarded",
        "id": "points.awarded:1",
        "merchant": merchant.code,
        "data": {"points": 5},
    }
    assert rows[0].merchant_id == merchant.pk and rows[0].status == Status.PENDING


def test_the_same_event_id_is_recorded_once_per_endpoint(merchant):
    EndpointFactory(merchant=merchant)
    emit(merchant)
    assert emit(merchant) == []
    assert WebhookDelivery.objects.count() == 1


def test_no_owner_or_no_endpoint_records_nothing(merchant):
    assert emit(None) == [] and emit(merchant) == []
    assert not WebhookDelivery.objects.exists()


def test_delivery_is_queued_only_after_commit(merchant, django_capture_on_commit_callbacks):
    EndpointFactory(merchant=merchant)
    with mock.patch.object(tasks.webhook_deliver_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            (delivery,) = emit(merchant)
            delay.assert_not_called()
    assert len(callbacks) == 1
    delay.assert_called_once_with(delivery.pk)


def test_a_rolled_back_write_emits_nothing(merchant, django_capture_on_commit_callbacks):
    EndpointFactory(merchant=merchant)
    with mock.patch.object(tasks.webhook_deliver_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                emit(merchant)
                raise RuntimeError("the domain write failed")
    assert not WebhookDelivery.objects.exists()
    delay.assert_not_called()


def test_a_delivery_is_signed_with_the_endpoint_secret(
    merchant, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    endpoint = EndpointFactory(merchant=merchant, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = emit(merchant)
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and delivery.attempts == 1 and delivery.last_status_code == 200
    headers, body = receiver.requests[0]
    header = headers["X-Skypark-Signature"]
    assert header.startswith("t=") and macs(header) == [expected_mac(endpoint.secret, header, body)]
    assert headers["X-Skypark-Event"] == "points.awarded"
    assert headers["X-Skypark-Delivery"] == "points.awarded:1"
    assert json.loads(body) == delivery.payload
    # Staff see the time taken, never what the receiver answered.
    assert delivery.last_error.endswith(" ms") and "internal reply" not in delivery.last_error


def test_a_failing_receiver_is_retried_then_given_up(merchant, settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    r = Receiver(status=500)
    try:
        delivery = DeliveryFactory(endpoint=EndpointFactory(merchant=merchant, url=r.url))
        for _ in range(services.MAX_ATTEMPTS - 1):
            with pytest.raises(services.WebhookTemporaryError):
                services.webhook_deliver(delivery_id=delivery.pk)
        assert services.webhook_deliver(delivery_id=delivery.pk) == Status.FAILED
        delivery.refresh_from_db()
        assert delivery.attempts == services.MAX_ATTEMPTS and delivery.last_status_code == 500
        assert "internal reply" not in delivery.last_error
        assert services.webhook_deliver(delivery_id=delivery.pk) == "skipped"
        assert len(r.requests) == services.MAX_ATTEMPTS
    finally:
        r.close()


def test_the_task_retries_with_backoff_on_a_temporary_error(merchant, settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # port 9 refuses the connection: a temporary error
    delivery = DeliveryFactory(endpoint=EndpointFactory(merchant=merchant, url="http://127.0.0.1:9/"))
    with mock.patch.object(tasks.webhook_deliver_task, "retry", side_effect=RuntimeError("retry")) as retry:
        with pytest.raises(RuntimeError):
            tasks.webhook_deliver_task.run(delivery.pk)
    assert retry.call_args.kwargs["countdown"] == 30
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.status == Status.PENDING and delivery.last_error


def test_stale_pending_deliveries_are_requeued(merchant):
    endpoint = EndpointFactory(merchant=merchant)
    old = DeliveryFactory(endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    DeliveryFactory(endpoint=endpoint)
    DeliveryFactory(endpoint=endpoint, status=Status.FAILED)
    with mock.patch.object(tasks.webhook_deliver_task, "delay") as delay:
        assert tasks.webhooks_retry() == 1
    delay.assert_called_once_with(old.pk)


def test_the_sweep_is_in_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    services.schedules_install()
    services.schedules_install()
    (periodic,) = PeriodicTask.objects.filter(task="skypark.webhooks.tasks.webhooks_retry")
    assert periodic.enabled


# --- SSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:5432/", "http://169.254.169.254/latest/", "http://[::1]/", "http://2130706433/"]
)
def test_an_internal_url_is_refused_when_saved(merchant, url):
    with pytest.raises(ValidationError) as refused:
        WebhookEndpoint(merchant=merchant, url=url, secret="x").full_clean()
    assert "url" in refused.value.message_dict


def test_an_internal_url_fails_at_once_when_sent(merchant):
    endpoint = EndpointFactory(merchant=merchant, url="http://127.0.0.1:9/")  # saved before the check existed
    delivery = DeliveryFactory(endpoint=endpoint)
    assert services.webhook_deliver(delivery_id=delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status_code is None and delivery.last_error


def test_a_switched_off_endpoint_gets_nothing_more(merchant):
    delivery = DeliveryFactory(endpoint=EndpointFactory(merchant=merchant, is_active=False))
    assert services.webhook_deliver(delivery_id=delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error == "refused: endpoint inactive"


def test_events_must_be_a_list_of_names(merchant):
    with pytest.raises(ValidationError) as refused:
        WebhookEndpoint(merchant=merchant, url="https://partner.example/h", events="points.awarded").full_clean()
    assert "events" in refused.value.message_dict


# --- secrets --------------------------------------------------------------------------------


def test_an_endpoint_without_a_secret_gets_a_random_one_before_anything_is_sent(merchant):
    endpoint = EndpointFactory(merchant=merchant, secret="")
    emit(merchant)
    endpoint.refresh_from_db()
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40


def test_endpoint_create_makes_the_secret(merchant, receiver):
    endpoint, secret = services.endpoint_create(merchant=merchant, url=receiver.url)
    assert secret == endpoint.secret and secret.startswith("whsec_") and len(secret) > 40


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(merchant, receiver):
    endpoint = EndpointFactory(merchant=merchant, url=receiver.url)
    old = services.endpoint_secret_rotate(endpoint=endpoint, actor=None)
    new = services.endpoint_secret_rotate(endpoint=endpoint, actor=None)
    assert old != new
    delivery = DeliveryFactory(endpoint=endpoint)
    assert services.webhook_deliver(delivery_id=delivery.pk) == Status.DELIVERED
    headers, body = receiver.requests[0]
    header = headers["X-Skypark-Signature"]
    assert macs(header) == [expected_mac(new, header, body), expected_mac(old, header, body)]
    endpoint.refresh_from_db()
    later = timezone.now() + datetime.timedelta(hours=25)
    assert services.signing_secrets(endpoint, now=later) == [new]
    rotation = AuditEntry.objects.filter(action="webhooks.secret.rotated").last()
    assert old not in str(rotation.after) and new not in str(rotation.after)


# --- PostgreSQL: single flight ---------------------------------------------------------------


def test_a_delivery_another_worker_holds_is_skipped(merchant, settings):
    """While one worker holds a delivery's row (sending it), another worker skips it
    instead of sending it a second time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    import threading

    delivery = DeliveryFactory(endpoint=EndpointFactory(merchant=MerchantFactory()))
    results = []

    def other_worker():
        from django.db import connections

        try:
            results.append(services.webhook_deliver(delivery_id=delivery.pk))
        finally:
            connections.close_all()

    with transaction.atomic():
        WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        worker = threading.Thread(target=other_worker)
        worker.start()
        worker.join(10)
    assert results == ["skipped"]
