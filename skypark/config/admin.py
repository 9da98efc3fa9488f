from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.audit.admin import AuditedAdminMixin

from . import selectors
from .models import SystemSetting


@admin.register(SystemSetting)
class SystemSettingAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("key", "shown_value", "data_type", "category", "is_public", "updated_at", "updated_by")
    list_filter = ("category", "data_type", "is_public")
    search_fields = ("key", "description")
    list_select_related = ("updated_by",)
    readonly_fields = ("updated_at", "updated_by")
    fields = (
        "key",
        "value",
        "data_type",
        "category",
        "description",
        "validation_rules",
        "is_public",
        "is_sensitive",
        "updated_at",
        "updated_by",
    )

    @admin.display(description=_("value"))
    def shown_value(self, setting):
        return "••••••" if setting.is_sensitive else setting.value

    def get_readonly_fields(self, request, obj=None):
        # The key and type are part of the contract with the code that reads them.
        return (*self.readonly_fields, "key", "data_type") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        transaction.on_commit(selectors.invalidate)
