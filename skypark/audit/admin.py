from django.contrib import admin
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.core.admin_mixins import LargeTableAdminMixin, ReadOnlyAdminMixin
from skypark.core.client_ip import client_ip

from .models import AuditEntry, AuditEntryArchive
from .selectors import audit_entries_for
from .services import audit_log, snapshot


def _client_ip(request):
    return client_ip(request) or None


class AuditedAdminMixin:
    """Writes an audit entry (with before/after data) for every add, change and delete
    made in the admin, and replaces the admin's "History" page with the object's audit
    trail, read-only."""

    audit_history_limit = 200

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            original = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(original) if original else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_log(
                actor=request.user,
                action=f"{obj._meta.app_label}.{obj._meta.model_name}.{'changed' if change else 'added'}",
                obj=obj,
                before=before,
                after=snapshot(obj),
                source=AuditEntry.Source.ADMIN,
                ip_address=_client_ip(request),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_log(
                actor=request.user,
                action=f"{obj._meta.app_label}.{obj._meta.model_name}.deleted",
                obj=obj,
                before=snapshot(obj),
                source=AuditEntry.Source.ADMIN,
                ip_address=_client_ip(request),
            )
            super().delete_model(request, obj)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, admin.utils.unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        entries = list(audit_entries_for(obj)[: self.audit_history_limit])
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "entries": entries,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/audit/object_history.html", context)


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("created_at", "actor_label", "action", "source", "object_link", "ip_address")
    list_filter = ("source", ("created_at", admin.DateFieldListFilter), "content_type")
    search_fields = ("=object_id", "action", "actor_label", "object_repr")
    list_select_related = ("content_type",)
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEntry._meta.fields] + ["changes_table"]
    fieldsets = (
        (None, {"fields": ("created_at", "actor_label", "actor_id", "action", "source", "ip_address")}),
        (_("Object"), {"fields": ("content_type", "object_id", "object_repr")}),
        (_("Changes"), {"fields": ("changes_table", "data", "before", "after")}),
    )

    @admin.display(description=_("object"))
    def object_link(self, entry):
        if not entry.content_type_id:
            return "—"
        return format_html("{} #{} — {}", entry.content_type.name, entry.object_id, entry.object_repr)

    @admin.display(description=_("changes"))
    def changes_table(self, entry):
        changes = entry.changes
        if not changes:
            return "—"
        rows = format_html_join(
            "", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", ((k, b, a) for k, (b, a) in changes.items())
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("field"),
            _("before"),
            _("after"),
            rows,
        )


@admin.register(AuditEntryArchive)
class AuditEntryArchiveAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Entries moved out of the live log by the nightly archiving, read-only. Found by
    object id or action (indexed columns and short scans); newest first by id."""

    scope = NETWORK
    list_display = ("id", "created_at", "actor_label", "action", "source", "object_id", "object_repr")
    list_filter = ("source",)
    search_fields = ("=object_id", "=action", "=actor_id")
    search_help_text = _("Exact object id, action or actor id.")
    readonly_fields = [f.name for f in AuditEntryArchive._meta.fields]
