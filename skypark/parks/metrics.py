"""Gate figures for ``/metrics``: admissions today and who is inside now."""

from django.db.models import Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import Park, ParkVisit


def collect():
    today = timezone.localdate()
    admissions = GaugeMetricFamily("skypark_gate_scans_today", "Visits admitted at park gates today")
    admissions.add_metric([], ParkVisit.objects.filter(visit_date=today).count())
    inside = GaugeMetricFamily("skypark_park_occupancy", "Visitors inside the parks now")
    inside.add_metric([], Park.objects.filter(is_active=True).aggregate(s=Sum("current_occupancy"))["s"] or 0)
    return [admissions, inside]
