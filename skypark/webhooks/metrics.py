"""The webhook outbox for ``/metrics``."""

from django.db.models import Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import WebhookDelivery


def collect():
    pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
    backlog = GaugeMetricFamily("skypark_webhook_backlog", "Webhook deliveries waiting to be sent")
    backlog.add_metric([], pending.count())
    oldest = pending.aggregate(at=Min("created_at"))["at"]
    lag = GaugeMetricFamily("skypark_webhook_lag_seconds", "Age of the oldest webhook delivery waiting")
    lag.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0)
    return [backlog, lag]
