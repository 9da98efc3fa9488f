"""The coalition's back-office: rules (effective-dated, audited), the journal, periods,
statements to review and approve (with their CSV and PDF), and payments. Network staff
only: a statement concerns several partners; partners read their own over the API."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_mixins import LargeTableAdminMixin, ReadOnlyAdminMixin
from skypark.core.errors import DomainError

from . import documents, selectors, services
from .models import (
    ClearingRule,
    Coalition,
    FundingRule,
    JournalEntry,
    Posting,
    SettlementPeriod,
    Statement,
    StatementLine,
    StatementPayment,
)


@admin.register(Coalition)
class CoalitionAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("name", "code", "currency", "period", "starts_on", "is_active")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request, obj=None):
        # Money already cleared in a currency stays in it.
        return ("currency",) if obj is not None and obj.entries.exists() else ()


@admin.register(ClearingRule)
class ClearingRuleAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "coalition",
        "merchant",
        "effective_from",
        "price_per_point",
        "value_per_point",
        "fee_percent",
        "breakage_owner",
        "coupon_funding",
    )
    list_select_related = ("coalition", "merchant")
    list_filter = ("coalition", "breakage_owner", "coupon_funding", ("merchant", admin.EmptyFieldListFilter))
    search_fields = ("merchant__name", "merchant__code")
    autocomplete_fields = ("merchant",)
    date_hierarchy = "effective_from"
    fieldsets = (
        (None, {"fields": ("coalition", "merchant", "effective_from")}),
        (_("Points"), {"fields": ("price_per_point", "value_per_point", "fee_percent", "breakage_owner")}),
        (
            _("Coupons"),
            {"fields": ("coupon_funding", ("issuer_percent", "acceptor_percent", "operator_percent"))},
        ),
    )


@admin.register(FundingRule)
class FundingRuleAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("coalition", "promo", "coupon", "effective_from", "funding", "issuer_percent", "acceptor_percent")
    list_select_related = ("coalition", "promo", "coupon")
    list_filter = ("coalition", "funding")
    search_fields = ("promo__name", "coupon__code")
    raw_id_fields = ("promo", "coupon")


class PostingInline(admin.TabularInline):
    model = Posting
    fields = ("merchant", "role", "amount", "currency", "points")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("merchant")


@admin.register(JournalEntry)
class JournalEntryAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("pk", "occurred_at", "kind", "merchant", "points", "reference", "period", "is_adjustment")
    list_select_related = ("merchant", "period")
    list_filter = ("kind", "is_adjustment", ("period", admin.EmptyFieldListFilter))
    search_fields = ("=reference",)
    date_hierarchy = "occurred_at"
    inlines = [PostingInline]
    raw_id_fields = ("ledger_entry", "coupon_redemption", "reverses", "period", "rule")


@admin.action(description=_("Close the periods that have ended"))
def periods_close(modeladmin, request, queryset):
    closed = services.periods_close_due()
    modeladmin.message_user(request, _("Periods closed: %(n)s") % {"n": len(closed)}, messages.SUCCESS)


@admin.register(SettlementPeriod)
class SettlementPeriodAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("coalition", "starts_at", "ends_at", "status", "entries_count", "closed_at")
    list_select_related = ("coalition",)
    list_filter = ("coalition", "status")
    actions = [periods_close]


@admin.action(description=_("Approve the selected statements"))
def statements_approve(modeladmin, request, queryset):
    if not request.user.has_perm("clearing.change_statement"):
        raise PermissionDenied
    done = 0
    for statement in queryset.filter(status=Statement.Status.REVIEW):
        services.statement_approve(statement=statement, actor=request.user)
        done += 1
    modeladmin.message_user(request, _("Statements approved: %(n)s") % {"n": done}, messages.SUCCESS)


class StatementPaymentInline(admin.TabularInline):
    model = StatementPayment
    fields = ("paid_on", "amount", "reference", "recorded_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Statement)
class StatementAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "number",
        "party",
        "period",
        "status",
        "opening_balance",
        "net",
        "closing_balance",
        "outstanding_amount",
        "files",
    )
    list_select_related = ("merchant", "period__coalition")
    list_filter = ("status", "period__coalition", "period")
    search_fields = ("=number", "merchant__name", "merchant__code")
    actions = [statements_approve]
    inlines = [StatementPaymentInline]
    readonly_fields = ("lines_link", "files")

    @admin.display(description=_("party"), ordering="merchant__name")
    def party(self, statement):
        return statement.party_name

    @admin.display(description=_("outstanding"))
    def outstanding_amount(self, statement):
        return statement.outstanding

    @admin.display(description=_("files"))
    def files(self, statement):
        return format_html(
            '<a href="{}">CSV</a> · <a href="{}">PDF</a>',
            reverse("admin:clearing-statement-file", args=[statement.pk, "csv"]),
            reverse("admin:clearing-statement-file", args=[statement.pk, "pdf"]),
        )

    @admin.display(description=_("lines"))
    def lines_link(self, statement):
        url = reverse("admin:clearing_statementline_changelist") + f"?statement__id__exact={statement.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Lines of this statement"))

    def has_change_permission(self, request, obj=None):
        # Approving is the only change, through the action.
        return request.user.has_perm("clearing.change_statement") and obj is None

    def get_urls(self):
        return [
            path(
                "<int:pk>/file/<str:kind>/",
                self.admin_site.admin_view(self.statement_file),
                name="clearing-statement-file",
            ),
            *super().get_urls(),
        ]

    def statement_file(self, request, pk, kind):
        statement = get_object_or_404(self.get_queryset(request).select_related("period", "merchant"), pk=pk)
        if not self.has_view_permission(request, statement) or kind not in ("csv", "pdf"):
            raise PermissionDenied
        lines = selectors.statement_lines(statement=statement)
        if kind == "csv":
            response = HttpResponse(documents.statement_csv(statement, lines), content_type="text/csv")
        else:
            response = HttpResponse(documents.statement_pdf(statement, lines), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{statement.number}.{kind}"'
        return response


@admin.register(StatementLine)
class StatementLineAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("occurred_at", "statement", "kind", "role", "reference", "points", "amount", "is_adjustment")
    list_select_related = ("statement",)
    list_filter = ("kind", "role", "is_adjustment")
    search_fields = ("=reference", "=statement__number")
    raw_id_fields = ("statement", "posting", "entry")


class PaymentForm(forms.ModelForm):
    class Meta:
        model = StatementPayment
        fields = ("statement", "amount", "reference", "paid_on")


@admin.register(StatementPayment)
class StatementPaymentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Recording a payment goes through ``statement_payment_record``: the journal gets
    the payment and the statement what is left to pay."""

    scope = NETWORK
    form = PaymentForm
    list_display = ("paid_on", "statement", "amount", "reference", "recorded_by")
    list_select_related = ("statement", "recorded_by")
    search_fields = ("=reference", "=statement__number")
    raw_id_fields = ("statement",)
    date_hierarchy = "paid_on"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            payment = services.statement_payment_record(
                statement=obj.statement,
                amount=obj.amount,
                reference=obj.reference,
                paid_on=obj.paid_on,
                actor=request.user,
            )
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = payment.pk
        obj.entry_id = payment.entry_id

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class Checked(form):
            def clean(self):
                data = super().clean()
                statement = data.get("statement")
                amount = data.get("amount")
                if statement is not None and amount is not None:
                    if statement.status == Statement.Status.REVIEW:
                        raise forms.ValidationError(_("Approve the statement before recording a payment."))
                    if statement.merchant_id is None:
                        raise forms.ValidationError(_("Payments are recorded on partners' statements."))
                    if amount <= 0 or amount > abs(statement.outstanding):
                        raise forms.ValidationError(
                            _("The payment is more than is outstanding on the statement (%(left)s).")
                            % {"left": abs(statement.outstanding)}
                        )
                return data

        return Checked
