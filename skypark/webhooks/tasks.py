"""Celery entry points of the webhooks. Each only calls a service; each service is safe to
run twice or to be killed mid-way."""

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=services.MAX_ATTEMPTS)
def webhook_deliver_task(self, delivery_id):
    try:
        return services.webhook_deliver(delivery_id=delivery_id)
    except services.WebhookTemporaryError as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries)


@shared_task(acks_late=True, ignore_result=True)
def webhooks_retry():
    """Re-queues pending deliveries whose task was lost (a broker restart)."""
    ids = services.deliveries_stale()
    for pk in ids:
        webhook_deliver_task.delay(pk)
    return len(ids)
