"""The admin index panel: points issued and redeemed across the network, and open
fraud flags; merchant staff see their own merchant's figures."""

import datetime

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.accounts.admin_scoping import merchant_ids_for
from skypark.core.dashboard import Figure, Panel, Series, register

from .models import FraudFlag, MerchantDailyStats


@register(scope="merchant")
def loyalty_panel(request):
    if not request.user.has_perm("loyalty.view_merchantdailystats"):
        return None
    today = timezone.localdate()
    since = today - datetime.timedelta(days=13)
    rows = MerchantDailyStats.objects.filter(date__gte=since)
    ids = merchant_ids_for(request.user)
    if ids is not None:
        rows = rows.filter(merchant_id__in=ids)
    per_day = {
        row["date"]: row for row in rows.values("date").annotate(i=Sum("points_issued"), r=Sum("points_redeemed"))
    }
    now = per_day.get(today, {})
    figures = [
        Figure(_("Points issued today"), now.get("i") or 0),
        Figure(_("Points redeemed today"), now.get("r") or 0),
    ]
    if ids is None:
        figures.append(
            Figure(_("Fraud flags to review"), FraudFlag.objects.filter(status=FraudFlag.Status.OPEN).count())
        )
    days = [since + datetime.timedelta(days=n) for n in range(14)]
    return Panel(
        title=_("Loyalty points"),
        figures=figures,
        series=[
            Series(_("Points issued per day"), [(d.strftime("%d.%m"), per_day.get(d, {}).get("i") or 0) for d in days])
        ],
        link=reverse("admin:loyalty-merchant-dashboard"),
        order=30,
    )
