"""Celery entry points of the loyalty domain. Each only calls a service; each service is
safe to run twice or to be killed mid-way."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import services
from .models import WebhookDelivery
from .services.webhooks import MAX_ATTEMPTS, WebhookTemporaryError


@shared_task(acks_late=True, ignore_result=True)
def loyalty_points_expire():
    return services.points_expire()


@shared_task(acks_late=True, ignore_result=True)
def loyalty_birthday_bonuses():
    return services.birthday_bonuses_award()


@shared_task(acks_late=True, ignore_result=True)
def loyalty_tiers_recalculate():
    return services.tiers_recalculate_all()


@shared_task(acks_late=True, ignore_result=True)
def loyalty_daily_aggregates():
    """Today and yesterday (late transactions and imports land on yesterday too)."""
    today = timezone.localdate()
    return [services.daily_aggregates_build(day=day) for day in (today - datetime.timedelta(days=1), today)]


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_ATTEMPTS)
def loyalty_webhook_deliver(self, delivery_id):
    try:
        return services.webhook_deliver(delivery_id=delivery_id)
    except WebhookTemporaryError as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries)


@shared_task(acks_late=True, ignore_result=True)
def loyalty_webhooks_retry():
    """Picks up pending deliveries whose task was lost (a broker restart)."""
    stale = timezone.now() - datetime.timedelta(minutes=30)
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, created_at__lt=stale).values_list(
            "pk", flat=True
        )[:500]
    )
    for pk in ids:
        loyalty_webhook_deliver.delay(pk)
    return len(ids)


@shared_task(acks_late=True, ignore_result=True)
def loyalty_import_run(batch_id):
    return services.import_batch_run(batch_id=batch_id).pk
