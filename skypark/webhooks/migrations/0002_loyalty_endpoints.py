"""Each loyalty program that had a webhook URL becomes an endpoint of its merchant with
the same secret(s), receiving every event; its delivery rows come along, and the beat
job that re-queued stale loyalty deliveries now names the core task."""

from django.db import migrations

OLD_TASK = "loyalty.tasks.loyalty_webhooks_retry"
NEW_TASK = "skypark.webhooks.tasks.webhooks_retry"


def forwards(apps, schema_editor):
    MerchantProgram = apps.get_model("loyalty", "MerchantProgram")
    OldDelivery = apps.get_model("loyalty", "WebhookDelivery")
    Endpoint = apps.get_model("webhooks", "WebhookEndpoint")
    Delivery = apps.get_model("webhooks", "WebhookDelivery")
    endpoints = {}
    for program in MerchantProgram.objects.exclude(webhook_url="").order_by("pk"):
        endpoints[program.merchant_id, program.webhook_url] = Endpoint.objects.create(
            merchant_id=program.merchant_id,
            url=program.webhook_url,
            events=[],
            is_active=True,
            secret=program.webhook_secret,
            secret_previous=program.webhook_secret_previous,
            secret_previous_until=program.webhook_secret_previous_until,
        )
    rows = []
    for old in OldDelivery.objects.order_by("pk").iterator(chunk_size=2000):
        endpoint = endpoints.get((old.merchant_id, old.url))
        if endpoint is None:
            # A URL the program no longer has: kept for the history, switched off.
            endpoint = Endpoint.objects.create(merchant_id=old.merchant_id, url=old.url, events=[], is_active=False)
            endpoints[old.merchant_id, old.url] = endpoint
        rows.append(
            Delivery(
                endpoint_id=endpoint.pk,
                merchant_id=old.merchant_id,
                event=old.event,
                event_id=old.event_id,
                payload=old.payload,
                status=old.status,
                attempts=old.attempts,
                last_status_code=old.last_status_code,
                last_error=old.last_error,
                delivered_at=old.delivered_at,
            )
        )
        if len(rows) >= 2000:
            _copy(Delivery, OldDelivery, rows)
            rows = []
    _copy(Delivery, OldDelivery, rows)
    try:
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    except LookupError:
        return
    PeriodicTask.objects.filter(task=OLD_TASK).update(task=NEW_TASK, name="webhooks: retry stale deliveries")


def _copy(Delivery, OldDelivery, rows):
    """``created_at`` is ``auto_now_add``: copy it after the insert."""
    if not rows:
        return
    Delivery.objects.bulk_create(rows)
    created = dict(
        OldDelivery.objects.filter(event_id__in=[r.event_id for r in rows]).values_list("event_id", "created_at")
    )
    for event_id, created_at in created.items():
        Delivery.objects.filter(event_id=event_id).update(created_at=created_at)


def backwards(apps, schema_editor):
    """Each merchant's program gets back its first active endpoint's URL and secrets, the
    deliveries go back to loyalty's table, and the beat job names the loyalty task."""
    MerchantProgram = apps.get_model("loyalty", "MerchantProgram")
    OldDelivery = apps.get_model("loyalty", "WebhookDelivery")
    Endpoint = apps.get_model("webhooks", "WebhookEndpoint")
    Delivery = apps.get_model("webhooks", "WebhookDelivery")
    seen = set()
    for endpoint in Endpoint.objects.filter(is_active=True).order_by("pk"):
        if endpoint.merchant_id in seen:
            continue
        seen.add(endpoint.merchant_id)
        MerchantProgram.objects.filter(merchant_id=endpoint.merchant_id).update(
            webhook_url=endpoint.url,
            webhook_secret=endpoint.secret,
            webhook_secret_previous=endpoint.secret_previous,
            webhook_secret_previous_until=endpoint.secret_previous_until,
        )
    for delivery in Delivery.objects.select_related("endpoint").order_by("pk").iterator(chunk_size=2000):
        old = OldDelivery.objects.create(
            merchant_id=delivery.merchant_id,
            url=delivery.endpoint.url,
            event=delivery.event,
            event_id=delivery.event_id,
            payload=delivery.payload,
            status=delivery.status,
            attempts=delivery.attempts,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
        )
        OldDelivery.objects.filter(pk=old.pk).update(created_at=delivery.created_at)
    Delivery.objects.all().delete()
    Endpoint.objects.all().delete()
    try:
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    except LookupError:
        return
    PeriodicTask.objects.filter(task=NEW_TASK).update(task=OLD_TASK, name="loyalty: retry webhooks")


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_endpoints_and_deliveries"),
        ("loyalty", "0006_webhook_secret_rotation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
