"""Points accounts and what moves them: the accounts (with the audited manual adjustment),
the ledger, tier changes and referrals. All read-only apart from the adjustment."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import (
    CUSTOMER,
    MERCHANT,
    ScopedAdminMixin,
)
from skypark.core.admin_mixins import ReadOnlyAdminMixin
from skypark.core.errors import DomainError

from .. import services
from ..models import (
    Account,
    LedgerEntry,
    Referral,
    TierChange,
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
