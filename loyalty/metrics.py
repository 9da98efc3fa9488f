"""Card scans at partners for ``/metrics``."""

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import ScanLog


def collect():
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    scans = GaugeMetricFamily("skypark_loyalty_scans_today", "Loyalty card scans today, by result", labels=["result"])
    rows = ScanLog.objects.filter(created_at__gte=start).order_by().values("result").annotate(n=Count("pk"))
    for row in rows:
        scans.add_metric([row["result"]], row["n"])
    return [scans]
