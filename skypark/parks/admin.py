"""Back-office for parks, tickets and visits, plus the occupancy board and daily stats.

Tickets and visits change only through the services (refund/cancel go through the
checkout; admission and exit through the gate), so their fields are read-only here.
"""

import datetime

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import GLOBAL, NETWORK, ScopedAdminMixin
from skypark.accounts.admin_search import CustomerSearchAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.commerce.models import Order
from skypark.commerce.services import order_cancel, order_refund
from skypark.config.selectors import get_decimal
from skypark.core.admin_columns import customer_column
from skypark.core.admin_filters import UpcomingDateListFilter
from skypark.core.admin_mixins import LargeTableAdminMixin
from skypark.core.csv_export import csv_response
from skypark.core.errors import DomainError
from skypark.core.formatting import format_money
from skypark.core.translated_admin import TranslatedAdmin, TranslatedTabularInline
from skypark.notify.admin_actions import resend_confirmation

from . import selectors
from .models import OpeningHours, Park, ParkVisit, SlotCapacity, Ticket, TimeSlot
from .services import visit_exit


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    max_num = 7


class TimeSlotInline(TranslatedTabularInline):
    model = TimeSlot
    extra = 0


@admin.register(Park)
class ParkAdmin(ScopedAdminMixin, AuditedAdminMixin, TranslatedAdmin):
    scope = GLOBAL
    list_display = (
        "name",
        "slug",
        "capacity",
        "current_occupancy",
        "price_under_3",
        "price_over_3",
        "is_active",
        "is_temporarily_closed",
    )
    list_filter = ("is_active", "is_temporarily_closed")
    search_fields = ("name", "address", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    readonly_fields = ("current_occupancy", "created_at", "updated_at")
    inlines = [OpeningHoursInline, TimeSlotInline]
    fieldsets = (
        (
            None,
            {"fields": ("slug", "is_active", "name", "address")},
        ),
        (
            _("Capacity and prices"),
            {
                "fields": (
                    "capacity",
                    "current_occupancy",
                    ("price_under_3", "price_over_3"),
                    ("subscription_visits", "subscription_days"),
                )
            },
        ),
        (_("Closure"), {"fields": ("is_temporarily_closed", "closure_reason", "closed_until")}),
        (_("Place and details"), {"fields": (("lat", "lng"), "amenities", "images")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("occupancy/", view(self.occupancy_view), name="parks-occupancy"),
            path("daily-stats/", view(self.stats_view), name="parks-daily-stats"),
            *super().get_urls(),
        ]

    def occupancy_view(self, request):
        if not self.has_view_permission(request):
            raise admin.sites.PermissionDenied
        threshold = get_decimal("capacity.warning_threshold") * 100
        rows = selectors.occupancy_board()
        for row in rows:
            row["warning"] = row["percent"] >= threshold
        context = {
            **self.admin_site.each_context(request),
            "title": _("Occupancy board"),
            "rows": rows,
            "threshold": threshold,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/parks/occupancy.html", context)

    def stats_view(self, request):
        if not self.has_view_permission(request):
            raise admin.sites.PermissionDenied
        today = timezone.localdate()
        date_to = parse_date(request.GET.get("to") or "") or today
        date_from = parse_date(request.GET.get("from") or "") or date_to - datetime.timedelta(days=29)
        rows = selectors.daily_park_stats(date_from=date_from, date_to=date_to)
        if request.GET.get("format") == "csv":
            return _stats_csv(rows, date_from, date_to)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Daily park statistics"),
            "rows": rows,
            "date_from": date_from,
            "date_to": date_to,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/parks/daily_stats.html", context)


STATS_COLUMNS = [
    ("park__name", _("Park")),
    ("visit_date", _("Date")),
    ("total_tickets", _("Tickets")),
    ("total_visitors", _("Visitors")),
    ("avg_group_size", _("Average group")),
    ("qr_entries", _("QR entries")),
    ("manual_entries", _("Manual entries")),
    ("paying_customers", _("Paying customers")),
    ("total_revenue", _("Revenue, KGS")),
]


def _stats_csv(rows, date_from, date_to):
    header = [label for _key, label in STATS_COLUMNS]
    cells = ([row[key] for key, _label in STATS_COLUMNS] for row in rows)
    return csv_response(f"park-stats-{date_from}-{date_to}.csv", header, cells)


def _orders_of(tickets):
    ids = {t.order_id for t in tickets if t.order_id}
    return Order.objects.filter(pk__in=ids).order_by("pk")


@admin.action(description=_("Refund the orders of the selected tickets"), permissions=["refund"])
def refund_selected(modeladmin, request, queryset):
    done = 0
    for order in _orders_of(queryset):
        try:
            order_refund(order=order, reason="refunded from the tickets admin", actor=request.user)
        except DomainError as exc:
            messages.error(request, f"{order.reference}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, ngettext("Refunded %d order.", "Refunded %d orders.", done) % done)


@admin.action(description=_("Cancel the unpaid orders of the selected tickets"), permissions=["change"])
def cancel_selected(modeladmin, request, queryset):
    done = 0
    for order in _orders_of(queryset):
        try:
            order_cancel(order=order, actor=request.user, reason="cancelled from the tickets admin")
        except DomainError as exc:
            messages.error(request, f"{order.reference}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, ngettext("Cancelled %d order.", "Cancelled %d orders.", done) % done)


@admin.register(Ticket)
class TicketAdmin(ScopedAdminMixin, CustomerSearchAdminMixin, LargeTableAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "printed_code",
        "park",
        customer_column,
        "visit_date",
        "slot",
        "status",
        "price_column",
        "order",
    )
    list_select_related = ("park", "customer", "order")
    list_filter = ("status", "ticket_type", "park", ("visit_date", UpcomingDateListFilter))
    search_backup_code = "backup_code"
    search_customer = "customer"
    search_order = "order"
    search_help_text = _("Backup code, order reference, phone or customer name.")
    show_full_result_count = False
    actions = [refund_selected, cancel_selected, resend_confirmation]
    readonly_fields = [f.name for f in Ticket._meta.fields if f.name != "notes"]

    @admin.display(description=Ticket._meta.get_field("backup_code").verbose_name, ordering="backup_code")
    def printed_code(self, obj):
        """The backup code as the ticket prints it (``65BF-WPKV``), so staff compare like with like."""
        return obj.backup_code_display

    @admin.display(description=Ticket._meta.get_field("price").verbose_name, ordering="price")
    def price_column(self, obj):
        return format_money(obj.price, obj.order.currency if obj.order_id else "KGS")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_refund_permission(self, request):
        return request.user.has_perm("commerce.refund_order")


@admin.action(description=_("Mark the selected visitors as exited"), permissions=["change"])
def exit_selected(modeladmin, request, queryset):
    for visit in queryset.filter(status=ParkVisit.Status.ACTIVE):
        visit_exit(visit=visit, staff=request.user)


@admin.register(ParkVisit)
class ParkVisitAdmin(ScopedAdminMixin, LargeTableAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "park",
        "visit_date",
        "entry_time",
        "exit_time",
        "visitor_count",
        "entry_method",
        "gate",
        "status",
        "validated_by",
    )
    list_select_related = ("park", "validated_by")
    list_filter = ("status", "entry_method", "park", ("visit_date", admin.DateFieldListFilter))
    search_fields = ("=ticket__backup_code", "gate")
    show_full_result_count = False
    actions = [exit_selected]
    readonly_fields = [f.name for f in ParkVisit._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlotCapacity)
class SlotCapacityAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("park", "date", "slot", "capacity", "sold")
    list_select_related = ("park",)
    list_filter = ("park", ("date", UpcomingDateListFilter))
    readonly_fields = ("sold",)
    show_full_result_count = False


from .gates import admin as gates_admin  # noqa: E402,F401  (registers the gate admins)
