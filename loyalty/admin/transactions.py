"""The till's records: sales with their lines (and a CSV export), the scan log and its
archive."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import (
    MERCHANT,
    NETWORK,
    ScopedAdminMixin,
)
from skypark.core.admin_mixins import LargeTableAdminMixin, ReadOnlyAdminMixin
from skypark.core.csv_export import csv_response

from ..models import (
    PosTransaction,
    PosTransactionLine,
    ScanLog,
    ScanLogArchive,
)


def export_transactions_csv(modeladmin, request, queryset):
    header = [
        "merchant",
        "external_id",
        "customer_code",
        "status",
        "amount",
        "discount",
        "refunded",
        "earned",
        "redeemed",
        "occurred_at",
        "test",
    ]
    rows = (
        [
            tx.merchant.code,
            tx.external_id,
            tx.customer.customer_code,
            tx.status,
            tx.amount,
            tx.discount,
            tx.refunded_amount,
            tx.points_earned,
            tx.points_redeemed,
            tx.occurred_at.isoformat(),
            int(tx.is_test),
        ]
        for tx in queryset.select_related("merchant", "customer").iterator()
    )
    return csv_response("transactions.csv", header, rows)


export_transactions_csv.short_description = _("Export the selected transactions as CSV")


class LineInline(admin.TabularInline):
    model = PosTransactionLine
    extra = 0
    can_delete = False
    fields = ("sku", "name", "quantity", "unit_price", "total")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PosTransaction)
class PosTransactionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "external_id",
        "merchant",
        "customer",
        "status",
        "payment_method",
        "till_id",
        "amount",
        "points_earned",
        "points_redeemed",
        "occurred_at",
        "is_test",
    )
    list_select_related = ("merchant", "customer")
    list_filter = ("status", "payment_method", "source", "is_test", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("=external_id", "=customer__phone", "=customer__customer_code", "=till_id")
    show_full_result_count = False
    actions = [export_transactions_csv]
    inlines = [LineInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PosTransaction._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScanLog)
class ScanLogAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = ("created_at", "merchant", "customer", "action", "code_kind", "entry", "result", "ip_address")
    list_select_related = ("merchant", "customer")
    list_filter = ("result", "code_kind", "entry", "action", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=customer__customer_code", "=ip_address")
    show_full_result_count = False


@admin.register(ScanLogArchive)
class ScanLogArchiveAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Scans moved out of the live log by the nightly archiving: network staff only (the
    archive keeps merchants and customers as ids)."""

    scope = NETWORK
    list_display = ("id", "created_at", "merchant_id", "customer_id", "action", "code_kind", "entry", "result")
    list_filter = ("result", "action")
    search_fields = ("=customer_id", "=merchant_id", "=ip_address")
    search_help_text = _("Exact customer id, merchant id or IP address.")
    readonly_fields = [f.name for f in ScanLogArchive._meta.fields]
