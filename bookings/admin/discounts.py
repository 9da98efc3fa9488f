"""The discount codes' admin, with the bookings that used each code."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.audit.admin import AuditedAdminMixin

from .. import services
from ..models import Booking, DiscountCode


class DiscountBookingInline(admin.TabularInline):
    model = Booking
    fk_name = "discount_code"
    fields = ("reference", "customer", "session", "status", "discount_applied", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("Used by")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "session__course")


@admin.register(DiscountCode)
class DiscountCodeAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "code",
        "discount_type",
        "discount_value",
        "min_purchase_amount",
        "valid_from",
        "valid_until",
        "usage",
        "course_type",
        "is_active",
    )
    list_select_related = ("course_type",)
    list_filter = ("is_active", "discount_type", "course_type")
    search_fields = ("code", "description")
    readonly_fields = ("times_used", "created_at", "updated_at")
    inlines = [DiscountBookingInline]

    @admin.display(description=_("Used / limit"), ordering="times_used")
    def usage(self, code):
        return f"{code.times_used} / {code.usage_limit if code.usage_limit is not None else '∞'}"

    def save_model(self, request, obj, form, change):
        obj.code = services.discount_normalise(obj.code)
        super().save_model(request, obj, form, change)
