"""The merchants' admin: merchants with their staff (up to the plan's seats) and API keys,
issuing and revoking keys, memberships, and the plans merchants subscribe to."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.audit.admin import AuditedAdminMixin

from .. import services
from ..admin_scoping import GLOBAL, MERCHANT, ScopedAdminMixin, merchant_ids_for
from ..models import Merchant, MerchantApiKey, MerchantMembership, MerchantPlan
from ..plans import plan_allows, plan_limit


class SeatsInlineFormSet(forms.BaseInlineFormSet):
    """Refuses more staff than the merchant's plan has seats for."""

    def clean(self):
        super().clean()
        if self.instance is None or self.instance.pk is None:
            return
        allowed = plan_limit(self.instance, "staff_seats")
        if allowed is None:
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if len(kept) > allowed:
            raise ValidationError(_("The merchant's plan allows %(n)s staff seats.") % {"n": allowed})


class MerchantMembershipInline(admin.TabularInline):
    model = MerchantMembership
    formset = SeatsInlineFormSet
    extra = 0
    autocomplete_fields = ("user",)


class MerchantApiKeyInline(admin.TabularInline):
    model = MerchantApiKey
    extra = 0
    fields = ("prefix", "name", "mode", "created_at", "created_by", "last_used_at", "revoked_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Keys are issued through "Issue API key", which shows the secret once.
        return False


@admin.register(Merchant)
class MerchantAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    merchant_lookup = "id"
    list_display = (
        "name",
        "code",
        "status",
        "plan",
        "currency",
        "business_email",
        "staff_count",
        "active_keys",
        "created_at",
    )
    list_select_related = ("plan",)
    list_filter = ("status", "plan", "currency")
    ordering = ("name",)
    search_fields = ("name", "=code", "business_email")
    prepopulated_fields = {"code": ("name",)}
    inlines = [MerchantMembershipInline, MerchantApiKeyInline]
    change_form_template = "admin/accounts/merchant/change_form.html"
    fieldsets = (
        (None, {"fields": ("name", "code", "status", "currency", "plan")}),
        (_("Contact"), {"fields": ("business_email", "contact_name", "contact_phone", "address")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # A merchant's own staff see their plan; only network staff change it.
        readonly = tuple(super().get_readonly_fields(request, obj))
        if merchant_ids_for(request.user) is not None:
            readonly += ("plan",)
        return readonly

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _staff=Count("memberships", distinct=True),
                _keys=Count("api_keys", filter=Q(api_keys__revoked_at__isnull=True), distinct=True),
            )
        )

    @admin.display(description=_("staff"), ordering="_staff")
    def staff_count(self, merchant):
        return merchant._staff

    @admin.display(description=_("active API keys"), ordering="_keys")
    def active_keys(self, merchant):
        return merchant._keys

    def get_urls(self):
        return [
            path(
                "<int:merchant_id>/issue-key/",
                self.admin_site.admin_view(self.issue_key_view),
                name="accounts_merchant_issue_key",
            ),
            *super().get_urls(),
        ]

    def issue_key_view(self, request, merchant_id):
        merchant = get_object_or_404(self.get_queryset(request), pk=merchant_id)
        if not request.user.has_perm("accounts.add_merchantapikey"):
            messages.error(request, _("You may not issue API keys."))
            return redirect(reverse("admin:accounts_merchant_change", args=[merchant.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "merchant": merchant,
            "title": _("Issue an API key for %s") % merchant,
            "modes": MerchantApiKey.Mode.choices,
        }
        if request.method == "POST":
            name = (request.POST.get("name") or "").strip()
            mode = request.POST.get("mode") or MerchantApiKey.Mode.LIVE
            if not name:
                context["error"] = _("Give the key a name, e.g. 'POS till 1'.")
            elif mode not in MerchantApiKey.Mode.values:
                context["error"] = _("Choose whether the key is live or test.")
            else:
                key, plaintext = services.api_key_issue(
                    merchant=merchant, name=name[:100], actor=request.user, mode=mode
                )
                context.update(key=key, plaintext=plaintext)
        return TemplateResponse(request, "admin/accounts/merchant/issue_key.html", context)


@admin.action(description=_("Revoke selected keys"), permissions=["change"])
def revoke_keys(modeladmin, request, queryset):
    count = 0
    for key in queryset.filter(revoked_at__isnull=True):
        services.api_key_revoke(key=key, actor=request.user)
        count += 1
    modeladmin.message_user(request, ngettext("%d key revoked.", "%d keys revoked.", count) % count, messages.SUCCESS)


@admin.register(MerchantApiKey)
class MerchantApiKeyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = ("prefix", "name", "merchant", "mode", "status", "created_at", "created_by", "last_used_at")
    list_select_related = ("merchant", "created_by")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "mode", "merchant")
    search_fields = ("=prefix", "name", "=merchant__code")
    readonly_fields = ("merchant", "prefix", "mode", "created_at", "created_by", "last_used_at", "revoked_at")
    fields = ("merchant", "name", "prefix", "mode", "created_at", "created_by", "last_used_at", "revoked_at")
    actions = [revoke_keys]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("status"))
    def status(self, key):
        if key.revoked_at:
            return format_html('<span style="color:#b00">{}</span>', _("revoked"))
        return _("active")


class MembershipForm(forms.ModelForm):
    class Meta:
        model = MerchantMembership
        fields = ("user", "merchant", "role")

    def clean(self):
        cleaned = super().clean()
        merchant = cleaned.get("merchant")
        if merchant is not None and (self.instance.pk is None or self.instance.merchant_id != merchant.pk):
            taken = MerchantMembership.objects.filter(merchant=merchant).count()
            if not plan_allows(merchant, "staff_seats", taken):
                raise ValidationError(
                    _("The merchant's plan allows %(n)s staff seats.") % {"n": plan_limit(merchant, "staff_seats")}
                )
        return cleaned


@admin.register(MerchantMembership)
class MerchantMembershipAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    form = MembershipForm
    list_display = ("user", "merchant", "role", "created_at")
    list_select_related = ("user", "merchant")
    list_filter = ("role", "merchant")
    search_fields = ("=user__phone", "user__name", "=merchant__code")
    autocomplete_fields = ("user", "merchant")


@admin.register(MerchantPlan)
class MerchantPlanAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """The plans merchants subscribe to; network staff edit them, merchant staff read them."""

    scope = GLOBAL
    list_display = (
        "code",
        "name",
        "monthly_fee",
        "currency",
        "staff_seats",
        "api_calls_per_month",
        "active_offers",
        "is_active",
        "merchant_count",
    )
    list_filter = ("is_active", "currency")
    search_fields = ("code", "name")
    prepopulated_fields = {"code": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_merchants=Count("merchants"))

    @admin.display(description=_("merchants"), ordering="_merchants")
    def merchant_count(self, plan):
        return plan._merchants
