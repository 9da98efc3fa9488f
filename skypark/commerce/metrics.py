"""Sales figures for ``/metrics`` (see ``skypark.ops.metrics``)."""

from django.db.models import Count, Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import Order, OrderStatus


def collect():
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Order.objects.filter(paid_at__gte=start)
        .exclude(status=OrderStatus.PENDING_PAYMENT)
        .order_by()
        .values("currency")
        .annotate(n=Count("pk"), amount=Sum("total"))
    )
    orders = GaugeMetricFamily("skypark_sales_today", "Orders paid since local midnight", labels=["currency"])
    amount = GaugeMetricFamily("skypark_sales_amount_today", "Amount of the orders paid today", labels=["currency"])
    for row in rows:
        orders.add_metric([row["currency"]], row["n"])
        amount.add_metric([row["currency"]], float(row["amount"] or 0))
    pending = GaugeMetricFamily("skypark_orders_awaiting_payment", "Orders waiting for payment")
    pending.add_metric([], Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).count())
    return [orders, amount, pending]
