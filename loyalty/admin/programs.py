"""What the network and merchants offer: tier ladders, merchants' own programmes,
coupons with their redemptions, and cross-promotions between merchants."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import (
    MERCHANT,
    ScopedAdminMixin,
    is_merchant_staff,
)
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_mixins import ReadOnlyAdminMixin
from skypark.core.translated_admin import TranslatedAdmin

from ..models import (
    Coupon,
    CouponRedemption,
    CrossPromo,
    MerchantProgram,
    Tier,
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
