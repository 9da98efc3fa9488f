from datetime import timedelta

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.core.dashboard import Figure, Panel, Series, register
from skypark.core.formatting import format_money

from .models import Order

DAYS = 14


def revenue_by_day(*, days=DAYS, today=None):
    """``[(day, currency, net revenue, orders)]`` for orders paid in the last ``days`` days,
    net of refunds. One indexed range query on ``paid_at``."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    return list(
        Order.objects.filter(paid_at__date__gte=start)
        .annotate(day=TruncDate("paid_at"))
        .values("day", "currency")
        .annotate(net=Sum(F("total") - F("refunded_total")), orders=Count("id"))
        .order_by("day", "currency")
        .values_list("day", "currency", "net", "orders")
    )


@register(scope="network")
def revenue_panel(request):
    if not request.user.has_perm("commerce.view_order"):
        return None
    today = timezone.localdate()
    start = today - timedelta(days=DAYS - 1)
    rows = revenue_by_day(today=today)
    currencies = sorted({currency for _d, currency, _n, _o in rows}) or ["KGS"]
    series = []
    for currency in currencies:
        per_day = {day: net for day, cur, net, _o in rows if cur == currency}
        points = [
            ((start + timedelta(days=i)).strftime("%d.%m"), per_day.get(start + timedelta(days=i), 0))
            for i in range(DAYS)
        ]
        series.append(Series(_("Net revenue per day, %(currency)s") % {"currency": currency}, points))
    paid_today = sum(orders for day, _c, _n, orders in rows if day == today)
    awaiting = Order.objects.filter(status=Order.Status.PENDING_PAYMENT).count()
    return Panel(
        title=_("Orders and revenue"),
        figures=[
            Figure(_("Paid today"), paid_today),
            Figure(_("Awaiting payment"), awaiting),
            *[
                Figure(
                    _("Revenue in 14 days"),
                    format_money(sum(net for _d, cur, net, _o in rows if cur == currency), currency),
                )
                for currency in currencies
            ],
        ],
        series=series,
        link=reverse("admin:commerce_order_changelist"),
        order=10,
    )
