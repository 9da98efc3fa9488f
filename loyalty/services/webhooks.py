"""Outgoing webhooks to partners.

``webhook_queue`` records a delivery inside the caller's transaction (nothing is sent
for a write that rolls back) and schedules the Celery task after commit. The body is
JSON; the request carries ``X-Skypark-Event``, ``X-Skypark-Delivery`` and
``X-Skypark-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the
merchant's webhook secret>``, so a partner can verify origin and reject replays.
"""

import datetime
import hashlib
import hmac
import json
import secrets
import time

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from skypark.audit.services import audit_log
from skypark.webhooks import transport

from ..models import MerchantProgram, WebhookDelivery
from .ledger import program_of

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 6


class WebhookTemporaryError(Exception):
    """The partner did not answer 2xx; the task retries with backoff."""


# How long the previous secret keeps signing after a rotation.
ROTATION_OVERLAP = datetime.timedelta(hours=24)


def signature_for(secrets_: list[str] | str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex>`` with one ``v1`` per signing secret (the current one
    first; the previous one too while a rotation overlaps), as Stripe does."""
    if isinstance(secrets_, str):
        secrets_ = [secrets_]
    macs = [hmac.new(s.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest() for s in secrets_]
    return ",".join([f"t={timestamp}", *(f"v1={mac}" for mac in macs)])


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signing_secrets(program, *, now=None) -> list[str]:
    now = now or timezone.now()
    found = [program.webhook_secret] if program.webhook_secret else []
    if (
        program.webhook_secret_previous
        and program.webhook_secret_previous_until
        and now < program.webhook_secret_previous_until
    ):
        found.append(program.webhook_secret_previous)
    return found


def program_webhook_secret_rotate(*, program, actor, now=None) -> str:
    """Gives the program a new random signing secret and returns it — the only time it
    is shown. The previous secret keeps signing alongside for ``ROTATION_OVERLAP``.
    Locks the program row; audited (the secrets themselves are masked in the log)."""
    now = now or timezone.now()
    with transaction.atomic():
        program = MerchantProgram.objects.select_for_update().get(pk=program.pk)
        new = webhook_secret_new()
        if program.webhook_secret:
            program.webhook_secret_previous = program.webhook_secret
            program.webhook_secret_previous_until = now + ROTATION_OVERLAP
        program.webhook_secret = new
        program.save(update_fields=["webhook_secret", "webhook_secret_previous", "webhook_secret_previous_until"])
        audit_log(actor=actor, action="loyalty.webhook_secret.rotated", obj=program)
    return new


def webhook_queue(*, merchant, event: str, event_id: str, payload: dict) -> WebhookDelivery | None:
    """Records one delivery of ``event`` to the merchant's webhook URL, if it has one.
    ``event_id`` is unique: queueing the same event twice records it once."""
    program = program_of(merchant)
    if program is None or not program.webhook_url:
        return None
    if not program.webhook_secret:
        # Never sign with an empty key: a program saved without one gets one now, which
        # staff can see only by rotating it (and then tell the partner).
        program_webhook_secret_rotate(program=program, actor=None)
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
        keys = signing_secrets(program) if program else []
        if not keys:
            delivery.attempts += 1
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.last_error = "refused: no signing secret"
            delivery.save(update_fields=["attempts", "status", "last_error"])
            return delivery.status
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
                "X-Skypark-Signature": signature_for(keys, timestamp, body),
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
