"""Merchants' daily figures and the merchant dashboard built from them."""

import datetime

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import (
    MERCHANT,
    ScopedAdminMixin,
)
from skypark.core.admin_mixins import ReadOnlyAdminMixin

from ..models import (
    MerchantDailyStats,
)


@admin.register(MerchantDailyStats)
class MerchantDailyStatsAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "date",
        "merchant",
        "sales",
        "transactions",
        "customers",
        "new_customers",
        "points_issued",
        "points_redeemed",
    )
    list_select_related = ("merchant",)
    list_filter = (("date", admin.DateFieldListFilter),)
    show_full_result_count = False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("dashboard/", view(self.dashboard_view), name="loyalty-merchant-dashboard"), *super().get_urls()]

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        from skypark.core.dashboard import Series

        today = timezone.localdate()
        since = today - datetime.timedelta(days=29)
        rows = self.get_queryset(request).filter(date__gte=since)
        fields = ("sales", "transactions", "customers", "points_issued", "points_redeemed")
        today_figures = rows.filter(date=today).aggregate(**{f: Sum(f) for f in fields})
        month_figures = rows.aggregate(**{f: Sum(f) for f in fields})
        per_day = dict(rows.values_list("date").annotate(s=Sum("sales")).values_list("date", "s"))
        days = [since + datetime.timedelta(days=i) for i in range(30)]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merchant dashboard"),
            "today": today_figures,
            "month": month_figures,
            "series": Series(_("Sales per day"), [(d.strftime("%d.%m"), float(per_day.get(d) or 0)) for d in days]),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/loyalty/dashboard.html", context)
