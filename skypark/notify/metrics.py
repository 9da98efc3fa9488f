"""The notification backlog for ``/metrics``: how many wait and for how long."""

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import Notification

WAITING = (Notification.Status.QUEUED, Notification.Status.SENDING)


def collect():
    backlog = GaugeMetricFamily("skypark_notification_backlog", "Notifications not yet sent", labels=["status"])
    for row in Notification.objects.filter(status__in=WAITING).order_by().values("status").annotate(n=Count("pk")):
        backlog.add_metric([row["status"]], row["n"])
    oldest = Notification.objects.filter(status__in=WAITING).aggregate(at=Min("created_at"))["at"]
    lag = GaugeMetricFamily("skypark_notification_lag_seconds", "Age of the oldest notification not yet sent")
    lag.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0)
    return [backlog, lag]
