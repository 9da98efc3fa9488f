"""Outgoing webhooks to partners.

``webhook_queue`` records a delivery inside the caller's transaction (nothing is sent
for a write that rolls back) and schedules the Celery task after commit. The body is
JSON; the request carries ``X-Skypark-Event``, ``X-Skypark-Delivery`` and
``X-Skypark-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the
merchant's webhook secret>``, so a partner can verify origin and reject replays.
"""

import hashlib
import hmac
import json
import time

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from skypark.webhooks import transport

from ..models import MerchantProgram, WebhookDelivery
from .ledger import program_of

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 6


class WebhookTemporaryError(Exception):
    """The partner did not answer 2xx; the task retries with backoff."""


def signature_for(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def webhook_queue(*, merchant, event: str, event_id: str, payload: dict) -> WebhookDelivery | None:
    """Records one delivery of ``event`` to the merchant's webhook URL, if it has one.
    ``event_id`` is unique: queueing the same event twice records it once."""
    program = program_of(merchant)
    if program is None or not program.webhook_url:
        return None
    delivery, created = WebhookDelivery.objects.get_or_create(
        event_id=event_id,
        defaults={
            "merchant": merchant,
            "event": event,
            "url": program.webhook_url,
            "payload": {"event": event, "id": event_id, "merchant": merchant.code, "data": payload},
        },
    )
    if created:
        from ..tasks import loyalty_webhook_deliver

        loyalty_webhook_deliver.delay_on_commit(delivery.pk)
    return delivery


def webhook_deliver(*, delivery_id: int) -> str:
    """Sends one delivery. Locks its row (skipping it if another worker has it), so a
    delivery runs at most once at a time, and does nothing once delivered or given up.
    The lock is held across the HTTP call (at most ``TIMEOUT_SECONDS``); it guards this
    one row only, and holding it is what stops a resend racing a slow first attempt.
    Raises ``WebhookTemporaryError`` on a non-2xx answer or a network error so the task
    can retry; after ``MAX_ATTEMPTS`` the delivery is marked failed, and at once when the
    URL is refused as unsafe (``skypark.webhooks.transport``)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return "skipped"
        program = MerchantProgram.objects.filter(merchant_id=delivery.merchant_id).first()
        secret = program.webhook_secret if program else ""
        body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
        timestamp = int(time.time())
        delivery.attempts += 1
        answer = transport.post(
            delivery.url,
            body=body,
            timeout=TIMEOUT_SECONDS,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "SkyPark-Webhooks/1",
                "X-Skypark-Event": delivery.event,
                "X-Skypark-Delivery": delivery.event_id,
                "X-Skypark-Signature": signature_for(secret, timestamp, body),
            },
        )
        # Staff see the status code and the time taken, never what the receiver answered.
        status_code = answer.status
        error = "" if answer.ok else f"{answer.error} ({answer.elapsed_ms} ms)"
        delivery.last_status_code = status_code
        delivery.last_error = error
        if not error:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
        elif answer.refused or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        delivery.save()
    if error and delivery.status == WebhookDelivery.Status.PENDING:
        raise WebhookTemporaryError(error)
    return delivery.status
