"""Back-office of the cash desks: desks are set up here; shifts are the shift reports
(float, sales by kind, refunds, pay-outs, expected and counted cash, over/short), read
only — a shift changes only through the desk's services."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_mixins import ReadOnlyAdminMixin
from skypark.core.formatting import format_money

from .models import CashDesk, FiscalReceipt, Movement, Shift
from .selectors import shift_report


@admin.register(CashDesk)
class CashDeskAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("code", "name", "location", "currency", "is_active")
    search_fields = ("code", "name", "location")
    list_filter = ("is_active",)


class MovementInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Movement
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "amount", "order", "reference", "reason", "created_by", "fiscal_number")
    readonly_fields = fields

    @admin.display(description=_("fiscal receipt"))
    def fiscal_number(self, obj):
        receipt = getattr(obj, "fiscal", None)
        return f"{receipt.register_number}/{receipt.document_number} · {receipt.fiscal_sign}" if receipt else "—"


@admin.register(Shift)
class ShiftAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "desk",
        "cashier",
        "status",
        "opened_at",
        "closed_at",
        "float_amount",
        "expected_cash",
        "counted_cash",
        "over_short",
    )
    list_filter = ("status", "desk")
    search_fields = ("desk__code", "desk__name", "cashier__phone", "cashier__first_name", "cashier__last_name")
    date_hierarchy = "opened_at"
    inlines = [MovementInline]
    fields = (
        "desk",
        "cashier",
        "status",
        "opened_at",
        "closed_at",
        "float_amount",
        "report",
        "expected_cash",
        "counted_cash",
        "over_short",
        "note",
    )
    readonly_fields = fields

    @admin.display(description=_("over/short"), ordering="difference")
    def over_short(self, obj):
        if obj.difference is None:
            return "—"
        label = _("over") if obj.difference > 0 else _("short") if obj.difference < 0 else _("exact")
        return format_html("<strong>{}</strong> ({})", format_money(obj.difference, obj.desk.currency), label)

    @admin.display(description=_("report"))
    def report(self, obj):
        report = shift_report(obj)
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (
                    label,
                    report.totals.get(kind, (0, None))[0],
                    format_money(report.totals[kind][1], obj.desk.currency) if kind in report.totals else "—",
                )
                for kind, label in Movement.Kind.choices
            ),
        )
        return format_html(
            "<table><tbody>{}<tr><th scope='row'>{}</th><td></td><td>{}</td></tr></tbody></table>",
            rows,
            _("expected cash in the drawer"),
            format_money(report.expected_cash, obj.desk.currency),
        )


@admin.register(FiscalReceipt)
class FiscalReceiptAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("register_number", "document_number", "fiscal_sign", "backend", "issued_at", "movement")
    search_fields = ("register_number", "fiscal_sign")
    list_filter = ("backend",)
