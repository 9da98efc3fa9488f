"""Back-office of the loyalty network.

Merchant staff see only their merchant's programs, accounts, transactions, coupons,
scans, imports and figures (``MerchantScopedAdminMixin``); network staff see
everything. Balances and the ledger change only through services: manual adjustments
go through a form that requires a reason and is audited; CSV imports run in Celery and
show their progress here.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import (
    CUSTOMER,
    MERCHANT,
    NETWORK,
    ScopedAdminMixin,
    is_merchant_staff,
    merchant_ids_for,
)
from skypark.accounts.models import Merchant
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_mixins import LargeTableAdminMixin, ReadOnlyAdminMixin
from skypark.core.csv_export import csv_response
from skypark.core.errors import DomainError
from skypark.core.translated_admin import TranslatedAdmin

from . import services
from .models import (
    Account,
    Coupon,
    CouponRedemption,
    CrossPromo,
    ImportBatch,
    LedgerEntry,
    MerchantDailyStats,
    MerchantProgram,
    PosTransaction,
    PosTransactionLine,
    Referral,
    ScanLog,
    ScanLogArchive,
    Tier,
    TierChange,
)


@admin.register(Tier)
class TierAdmin(ScopedAdminMixin, AuditedAdminMixin, TranslatedAdmin):
    # The coalition's ladder (no merchant) is for network staff; a merchant's staff see
    # and edit their own programme's ladder.
    scope = MERCHANT
    list_display = (
        "code",
        "name_ru",
        "name_ky",
        "name_en",
        "merchant",
        "min_points",
        "min_spend",
        "multiplier",
        "discount_percent",
        "birthday_bonus",
        "swatch",
    )
    list_select_related = ("merchant",)
    list_filter = (("merchant", admin.EmptyFieldListFilter),)
    search_fields = ("code", "name", "merchant__name")
    ordering = ("merchant", "min_points")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if is_merchant_staff(request.user) and "merchant" in form.base_fields:
            # Merchant staff edit their own ladder only, never the coalition's.
            form.base_fields["merchant"].required = True
        return form

    @admin.display(description=_("colour"))
    def swatch(self, tier):
        return format_html(
            '<span style="display:inline-block;width:1.2em;height:1.2em;background:{}" aria-label="{}"></span>',
            tier.colour,
            tier.colour,
        )


@admin.register(MerchantProgram)
class MerchantProgramAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "merchant",
        "mode",
        "name",
        "points_per_unit",
        "redemption_rate",
        "starts_on",
        "ends_on",
        "is_active",
    )
    list_select_related = ("merchant",)
    list_filter = ("mode", "is_active")
    search_fields = ("merchant__name", "merchant__code", "name")
    autocomplete_fields = ("merchant",)
    fieldsets = (
        (None, {"fields": ("merchant", "mode", "name", "is_active", ("starts_on", "ends_on"))}),
        (_("Earning"), {"fields": ("points_per_unit", "min_spend", "expiry_months", "tier_basis")}),
        (_("Spending"), {"fields": ("redemption_rate", "min_redeem_points", "max_redeem_percent")}),
    )


class AdjustForm(forms.Form):
    points = forms.IntegerField(label=_("Points"), help_text=_("Positive to add, negative to take away."))
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def clean_points(self):
        if not self.cleaned_data["points"]:
            raise forms.ValidationError(_("Enter a number other than zero."))
        return self.cleaned_data["points"]


@admin.register(Account)
class AccountAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "customer",
        "merchant",
        "balance",
        "tier",
        "lifetime_earned",
        "lifetime_redeemed",
        "last_activity_at",
    )
    list_select_related = ("customer", "merchant", "tier")
    list_filter = ("tier", ("merchant", admin.EmptyFieldListFilter))
    search_fields = ("=customer__phone", "=customer__customer_code", "customer__name")
    show_full_result_count = False
    readonly_fields = ("adjust_link",)

    @admin.display(description=_("adjust"))
    def adjust_link(self, account):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:loyalty-account-adjust", args=[account.pk]), _("Adjust")
        )

    def get_fields(self, request, obj=None):
        return [f.name for f in Account._meta.fields] + ["adjust_link"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/adjust/", view(self.adjust_view), name="loyalty-account-adjust"), *super().get_urls()]

    def adjust_view(self, request, pk):
        if not request.user.has_perm("loyalty.add_ledgerentry"):
            raise PermissionDenied
        account = get_object_or_404(self.get_queryset(request), pk=pk)
        form = AdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.points_adjust(account=account, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The balance was adjusted."))
                return HttpResponseRedirect(reverse("admin:loyalty_account_change", args=[account.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adjust the balance of %(account)s") % {"account": account},
            "account": account,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/loyalty/account/adjust.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    # The merchant's own points accounts, and network points earned or spent there.
    merchant_lookup = ("account__merchant", "merchant")
    list_display = (
        "created_at",
        "account",
        "kind",
        "points",
        "balance_after",
        "source",
        "reference",
        "merchant",
        "actor_label",
    )
    list_select_related = ("account__customer", "account__merchant", "merchant")
    list_filter = ("kind", "source", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=reference", "=account__customer__phone", "=account__customer__customer_code")
    show_full_result_count = False


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


@admin.register(Coupon)
class CouponAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "code",
        "kind",
        "value",
        "merchant",
        "customer",
        "valid_from",
        "valid_until",
        "uses_count",
        "max_uses",
        "is_active",
    )
    list_select_related = ("merchant", "customer")
    list_filter = ("kind", "is_active")
    search_fields = ("=code", "=customer__phone")
    raw_id_fields = ("customer",)
    readonly_fields = ("uses_count", "promo")
    show_full_result_count = False


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = ("created_at", "coupon", "customer", "merchant", "amount", "discount", "reference", "is_test")
    list_filter = ("is_test",)
    list_select_related = ("coupon", "customer", "merchant")
    show_full_result_count = False


@admin.register(CrossPromo)
class CrossPromoAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    merchant_lookup = "source_merchant"
    list_display = (
        "name",
        "source_merchant",
        "target_merchant",
        "min_purchase",
        "issued_count",
        "converted_count",
        "conversion",
        "is_active",
    )
    list_select_related = ("source_merchant", "target_merchant")
    readonly_fields = ("issued_count", "converted_count")

    @admin.display(description=_("conversion, %"))
    def conversion(self, promo):
        return promo.conversion_rate


@admin.register(ScanLog)
class ScanLogAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = ("created_at", "merchant", "customer", "action", "code_kind", "entry", "result", "ip_address")
    list_select_related = ("merchant", "customer")
    list_filter = ("result", "code_kind", "entry", "action", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=customer__customer_code", "=ip_address")
    show_full_result_count = False


class ImportUploadForm(forms.Form):
    merchant = forms.ModelChoiceField(queryset=Merchant.objects.none(), label=_("Merchant"))
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Columns: external_id, customer_code or phone, amount, occurred_at.")
    )

    def __init__(self, *args, merchants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = merchants


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "pk",
        "merchant",
        "source",
        "status",
        "progress",
        "created_count",
        "duplicate_count",
        "error_count",
        "created_at",
    )
    list_select_related = ("merchant",)
    list_filter = ("status", "source")
    exclude = ("rows",)

    @admin.display(description=_("progress"))
    def progress(self, batch):
        return format_html(
            '<progress max="100" value="{}" aria-label="{}">{}%</progress> {}%',
            batch.progress_percent,
            _("progress"),
            batch.progress_percent,
            batch.progress_percent,
        )

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ImportBatch._meta.fields if f.name != "rows"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        ids = merchant_ids_for(request.user)
        merchants = Merchant.objects.all() if ids is None else Merchant.objects.filter(pk__in=ids)
        form = ImportUploadForm(request.POST or None, request.FILES or None, merchants=merchants)
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                batch = services.import_batch_create(
                    merchant=form.cleaned_data["merchant"],
                    rows=services.csv_rows(text),
                    source="csv",
                    actor=request.user,
                )
            except UnicodeDecodeError:
                form.add_error("file", _("The file must be UTF-8 text."))
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, _("The import was queued; its progress shows here."))
                return HttpResponseRedirect(reverse("admin:loyalty_importbatch_change", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import transactions from CSV"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/loyalty/importbatch/upload.html", context)


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


@admin.register(Referral)
class ReferralAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = CUSTOMER
    customer_lookup = ("referrer", "referred")
    list_display = ("created_at", "referrer", "referred", "status", "rewarded_at")
    list_select_related = ("referrer", "referred")
    list_filter = ("status",)


@admin.register(TierChange)
class TierChangeAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    merchant_lookup = "account__merchant"
    list_display = ("created_at", "account", "from_tier", "to_tier", "qualifying_points", "is_upgrade")
    list_select_related = ("account__customer", "account__merchant", "from_tier", "to_tier")
    list_filter = ("is_upgrade",)


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


# The till's and the fraud review's admins, kept in their own module for size.
from .offers import admin as offers_admin  # noqa: E402,F401  (the offer constructor's admin)
from .till import admin as _till_admin  # noqa: E402, F401
