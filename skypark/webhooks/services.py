"""Outgoing webhooks to partners — the one mechanism every domain uses.

A domain calls ``webhook_emit`` inside its own transaction: one ``WebhookDelivery`` row per
active endpoint of the owner that wants the event is written with the change (nothing is
sent for a write that rolls back), and the delivery task is queued after commit. The body
is JSON ``{"event", "id", "merchant", "data"}``; the request carries ``X-Skypark-Event``,
``X-Skypark-Delivery`` (the event id) and ``X-Skypark-Signature: t=<unix time>,v1=<hex
HMAC-SHA256 of "<t>.<body>">`` with one ``v1`` per signing secret, so a partner can verify
origin and reject replays. Every request goes through ``transport`` (SSRF-safe).
"""

import datetime
import hashlib
import hmac
import json
import secrets
import time

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from skypark.accounts.models import Merchant
from skypark.audit.services import audit_log
from skypark.core.hotcache import HotCache
from skypark.core.outbox import outbox_add, outbox_gathering

from . import transport
from .models import WebhookDelivery, WebhookEndpoint

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 6
# How long the previous secret keeps signing after a rotation.
ROTATION_OVERLAP = datetime.timedelta(hours=24)
STALE_AFTER = datetime.timedelta(minutes=30)
EMIT_EFFECT = "webhooks.emit"


class WebhookTemporaryError(Exception):
    """The partner did not answer 2xx; the task retries with backoff."""


def signature_for(secrets_: list[str] | str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex>`` with one ``v1`` per signing secret (the current one
    first; the previous one too while a rotation overlaps)."""
    if isinstance(secrets_, str):
        secrets_ = [secrets_]
    macs = [hmac.new(s.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest() for s in secrets_]
    return ",".join([f"t={timestamp}", *(f"v1={mac}" for mac in macs)])


def secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signing_secrets(endpoint: WebhookEndpoint, *, now=None) -> list[str]:
    now = now or timezone.now()
    found = [endpoint.secret] if endpoint.secret else []
    if endpoint.secret_previous and endpoint.secret_previous_until and now < endpoint.secret_previous_until:
        found.append(endpoint.secret_previous)
    return found


def endpoint_create(*, merchant, url: str, events=None, actor=None) -> tuple[WebhookEndpoint, str]:
    """A new endpoint with a fresh signing secret; returns both (the only time the secret
    is shown). The URL is checked as the admin form checks it."""
    endpoint = WebhookEndpoint(merchant=merchant, url=url, events=list(events or []), secret=secret_new())
    endpoint.full_clean()
    endpoint.save()
    audit_log(actor=actor, action="webhooks.endpoint.created", obj=endpoint)
    return endpoint, endpoint.secret


def endpoint_secret_rotate(*, endpoint: WebhookEndpoint, actor, now=None) -> str:
    """Gives the endpoint a new random signing secret and returns it — the only time it is
    shown. The previous secret keeps signing alongside for ``ROTATION_OVERLAP``. Locks the
    endpoint row; audited (the secrets themselves are masked in the log)."""
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        new = secret_new()
        if endpoint.secret:
            endpoint.secret_previous = endpoint.secret
            endpoint.secret_previous_until = now + ROTATION_OVERLAP
        endpoint.secret = new
        endpoint.save(update_fields=["secret", "secret_previous", "secret_previous_until", "updated_at"])
        audit_log(actor=actor, action="webhooks.secret.rotated", obj=endpoint)
    return new


def endpoint_update(*, endpoint: WebhookEndpoint, actor=None, **changes) -> WebhookEndpoint:
    """Changes an endpoint's ``url``, ``events`` or ``is_active``, checked as on creation
    (the URL against the SSRF rules) when the URL or events change; switching an endpoint
    on or off alone needs no DNS answer. Locks the endpoint row; audited."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        fields = [field for field in ("url", "events", "is_active") if field in changes]
        for field in fields:
            setattr(endpoint, field, changes[field])
        if {"url", "events"} & set(fields):
            endpoint.full_clean()
        endpoint.save(update_fields=[*fields, "updated_at"])
        audit_log(actor=actor, action="webhooks.endpoint.changed", obj=endpoint, data={"fields": fields})
    return endpoint


TEST_EVENT = "webhook.test"


def endpoint_test_send(*, endpoint: WebhookEndpoint, actor=None) -> WebhookDelivery:
    """Records a ``webhook.test`` delivery to this one endpoint (whatever events it
    subscribes to, active or not: an inactive endpoint's test is refused at send, and the
    log says so) and queues it after commit; signed and retried as any event."""
    with transaction.atomic():
        event_id = f"{TEST_EVENT}:{secrets.token_hex(8)}"
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            merchant_id=endpoint.merchant_id,
            event=TEST_EVENT,
            event_id=event_id,
            payload={
                "event": TEST_EVENT,
                "id": event_id,
                "merchant": endpoint.merchant.code,
                "data": {"endpoint": endpoint.pk, "sent_at": timezone.now().isoformat()},
            },
        )
        audit_log(actor=actor, action="webhooks.endpoint.tested", obj=endpoint, data={"delivery": delivery.pk})
        _queue_on_commit([delivery.pk])
    return delivery


ENDPOINTS = HotCache("webhooks:has_endpoints")


def _has_endpoints(merchant_id) -> bool:
    """Whether the merchant has an active endpoint, cached: most merchants have none, and
    a till sale should not pay a query to find that out."""
    return ENDPOINTS.get(
        lambda: WebhookEndpoint.objects.filter(merchant_id=merchant_id, is_active=True).exists(), merchant_id
    )


def endpoints_forget(instance, **_kwargs):
    """Drops the cached answer for the endpoint's merchant, now and again after the commit
    (a reader in between may have cached the old one)."""
    ENDPOINTS.forget(instance.merchant_id)


def _endpoints_for(owner, event: str) -> list[WebhookEndpoint]:
    if owner is None or not _has_endpoints(owner.pk):
        return []
    endpoints = [e for e in WebhookEndpoint.objects.filter(merchant=owner, is_active=True) if e.wants(event)]
    for endpoint in endpoints:
        if not endpoint.secret:
            # Never sign with an empty key: an endpoint saved without one gets one now,
            # which staff can see only by rotating it (and then tell the partner).
            endpoint_secret_rotate(endpoint=endpoint, actor=None)
    return endpoints


def _queue_on_commit(delivery_ids):
    from .tasks import webhook_deliver_task

    for pk in delivery_ids:
        webhook_deliver_task.delay_on_commit(pk)


def webhook_emit(*, event: str, event_id: str, owner, payload: dict) -> list[WebhookDelivery]:
    """Records ``event`` for every active endpoint of ``owner`` (a merchant, or ``None``
    for objects that belong to no merchant: nothing is sent) that wants it, and queues the
    deliveries after commit. Call it inside the transaction of the change it reports.
    Emitting the same ``event_id`` again records nothing new.

    Inside a payment's transaction (an outbox message being gathered, see
    ``skypark.core.outbox``) the deliveries are not written there: the event joins the
    order's outbox message and ``emit_effect`` records them after the commit, in the
    message's own transaction, and ``[]`` is returned."""
    if outbox_gathering():
        if owner is not None:
            outbox_add(EMIT_EFFECT, event=event, owner_id=owner.pk, items=[[event_id, payload]])
        return []
    return webhook_emit_many(event=event, owner=owner, items=[(event_id, payload)])


def emit_effect(*, message, event: str, owner_id: int, items) -> list[WebhookDelivery]:
    """The outbox handler of ``webhooks.emit``: ``webhook_emit_many`` in the message's
    transaction (the unique event id per endpoint keeps a retried message from
    recording a delivery twice)."""
    owner = Merchant.objects.filter(pk=owner_id).first()
    return webhook_emit_many(event=event, owner=owner, items=[tuple(item) for item in items])


def webhook_emit_many(*, event: str, owner, items) -> list[WebhookDelivery]:
    """``webhook_emit`` for many ``(event_id, payload)`` pairs of one event and owner in one
    INSERT per endpoint (bulk imports)."""
    items = list(items)
    endpoints = _endpoints_for(owner, event) if items else []
    created = []
    for endpoint in endpoints:
        wanted = {event_id for event_id, _payload in items}
        known = set(
            WebhookDelivery.objects.filter(endpoint=endpoint, event_id__in=wanted).values_list("event_id", flat=True)
        )
        rows = [
            WebhookDelivery(
                endpoint=endpoint,
                merchant_id=endpoint.merchant_id,
                event=event,
                event_id=event_id,
                payload={"event": event, "id": event_id, "merchant": owner.code, "data": payload},
            )
            for event_id, payload in items
            if event_id not in known
        ]
        created += WebhookDelivery.objects.bulk_create(rows)
    ids = [d.pk for d in created if d.pk]
    if len(ids) < len(created):
        ids = list(
            WebhookDelivery.objects.filter(
                endpoint__in=endpoints, event_id__in=[d.event_id for d in created]
            ).values_list("pk", flat=True)
        )
    _queue_on_commit(ids)
    return created


def _body(delivery) -> bytes:
    return json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def webhook_deliver(*, delivery_id: int) -> str:
    """Sends one delivery. Locks its row (skipping it if another worker has it), so a
    delivery runs at most once at a time, and does nothing once delivered or given up.
    The lock is held across the HTTP call (at most ``TIMEOUT_SECONDS``); it guards this
    one row only, and holding it is what stops a resend racing a slow first attempt.
    Raises ``WebhookTemporaryError`` on a non-2xx answer or a network error so the task
    can retry; after ``MAX_ATTEMPTS`` the delivery is marked failed, and at once when the
    URL is refused as unsafe or the endpoint was switched off."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return "skipped"
        endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
        keys = signing_secrets(endpoint)
        refusal = ""
        if not endpoint.is_active:
            refusal = "refused: endpoint inactive"
        elif not keys:
            refusal = "refused: no signing secret"
        delivery.attempts += 1
        if refusal:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.last_error = refusal
            delivery.save(update_fields=["attempts", "status", "last_error"])
            return delivery.status
        body = _body(delivery)
        timestamp = int(time.time())
        answer = transport.post(
            endpoint.url,
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
        error = "" if answer.ok else f"{answer.error} ({answer.elapsed_ms} ms)"
        delivery.last_status_code = answer.status
        delivery.last_error = error or f"{answer.elapsed_ms} ms"
        if not error:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
        elif answer.refused or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        delivery.save()
    if error and delivery.status == WebhookDelivery.Status.PENDING:
        raise WebhookTemporaryError(error)
    return delivery.status


def deliveries_resend(*, delivery_ids, actor=None) -> int:
    """Sends undelivered deliveries again from the first attempt."""
    ids = list(
        WebhookDelivery.objects.filter(pk__in=list(delivery_ids))
        .exclude(status=WebhookDelivery.Status.DELIVERED)
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk__in=ids).update(status=WebhookDelivery.Status.PENDING, attempts=0)
        if ids:
            audit_log(actor=actor, action="webhooks.deliveries.resent", data={"deliveries": ids})
        _queue_on_commit(ids)
    return len(ids)


def deliveries_stale(*, now=None, limit=500) -> list[int]:
    """Pending deliveries whose task was lost (a broker restart)."""
    stale = (now or timezone.now()) - STALE_AFTER
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, created_at__lt=stale).values_list(
            "pk", flat=True
        )[:limit]
    )


SCHEDULES = [
    # name, task, hour, minute
    ("webhooks: retry stale deliveries", "skypark.webhooks.tasks.webhooks_retry", "*", "*/10"),
]


@transaction.atomic
def schedules_install() -> list:
    """Registers the periodic webhook task in django-celery-beat. Safe to call any number of times."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    tasks = []
    for name, task, hour, minute in SCHEDULES:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        periodic, _created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )
        tasks.append(periodic)
    return tasks
