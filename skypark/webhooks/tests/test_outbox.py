"""Webhooks emitted inside a payment's transaction go out through the order's outbox
message: their deliveries are written once, after the commit, by the outbox task."""

from unittest import mock

import pytest
from django.db import transaction

from skypark.core.models import OutboxMessage
from skypark.core.outbox import outbox_gather, outbox_process
from skypark.webhooks import services, tasks
from skypark.webhooks.models import WebhookDelivery

from .factories import EndpointFactory

pytestmark = pytest.mark.django_db


def _emit_while_paying(merchant):
    with transaction.atomic(), outbox_gather(kind="commerce.order_paid", refs={"order": 1}):
        assert (
            services.webhook_emit(
                event="booking.confirmed", event_id="booking.confirmed:RF1", owner=merchant, payload={"places": 2}
            )
            == []
        )
        services.webhook_emit(event="booking.confirmed", event_id="booking.confirmed:RF2", owner=None, payload={})
    return OutboxMessage.objects.get()


def test_an_event_emitted_while_paying_joins_the_outbox_message_and_is_recorded_after_it(merchant):
    endpoint = EndpointFactory(merchant=merchant)
    with mock.patch.object(tasks.webhook_deliver_task, "delay"):
        message = _emit_while_paying(merchant)
        # Nothing written with the payment; an event of no merchant adds nothing.
        assert not WebhookDelivery.objects.exists()
        assert message.payload["effects"] == [
            [
                services.EMIT_EFFECT,
                {
                    "event": "booking.confirmed",
                    "owner_id": merchant.pk,
                    "items": [["booking.confirmed:RF1", {"places": 2}]],
                },
            ]
        ]
        assert outbox_process(message_id=message.pk) is True
        assert outbox_process(message_id=message.pk) is False
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.endpoint, delivery.event_id) == (endpoint, "booking.confirmed:RF1")
    assert delivery.payload == {
        "event": "booking.confirmed",
        "id": "booking.confirmed:RF1",
        "merchant": merchant.code,
        "data": {"places": 2},
    }


def test_a_message_carried_out_again_after_a_lost_commit_records_no_second_delivery(merchant):
    EndpointFactory(merchant=merchant)
    with mock.patch.object(tasks.webhook_deliver_task, "delay"):
        message = _emit_while_paying(merchant)
        assert outbox_process(message_id=message.pk)
        # As if the worker died after the deliveries were written but the row stayed
        # unprocessed: the event id keeps the endpoint's delivery single.
        OutboxMessage.objects.filter(pk=message.pk).update(processed_at=None)
        assert outbox_process(message_id=message.pk)
    assert WebhookDelivery.objects.count() == 1
