"""CRM connectors and their runs in the back-office, each merchant's staff seeing only
their own. Credentials are typed in and stored encrypted; they are never shown again
(the form only says whether some are stored). "Run now" queues a run in Celery; each
run shows what was fetched, its error, and the import it fed with that import's row
report."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import MERCHANT, ScopedAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_mixins import ReadOnlyAdminMixin

from . import services
from .models import Connector, ConnectorRun


class ConnectorForm(forms.ModelForm):
    endpoint = forms.URLField(label=_("endpoint"), max_length=500, assume_scheme="https")
    new_credentials = forms.CharField(
        label=_("credentials"),
        required=False,
        max_length=services.MAX_CREDENTIALS_LENGTH,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "The token, the API key, or user:password for basic authentication. Stored encrypted and never shown "
            "again; leave empty to keep what is stored."
        ),
    )
    clear_credentials = forms.BooleanField(label=_("remove the stored credentials"), required=False)

    class Meta:
        model = Connector
        fields = (
            "merchant",
            "name",
            "feed",
            "is_active",
            "endpoint",
            "format",
            "records_path",
            "field_mapping",
            "auth",
            "auth_header",
            "interval_minutes",
            "next_run_at",
        )


@admin.action(description=_("Run now"), permissions=["change"])
def run_now(modeladmin, request, queryset):
    from .tasks import connector_run_task

    ids = list(queryset.values_list("pk", flat=True))
    for pk in ids:
        connector_run_task.delay(pk, trigger=ConnectorRun.Trigger.MANUAL, actor_id=request.user.pk)
    messages.info(
        request,
        ngettext("%(n)s connector queued to run.", "%(n)s connectors queued to run.", len(ids)) % {"n": len(ids)},
    )


@admin.register(Connector)
class ConnectorAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    form = ConnectorForm
    list_display = ("name", "merchant", "feed", "format", "endpoint", "interval_minutes", "is_active", "last_run_at")
    list_select_related = ("merchant",)
    list_filter = ("is_active", "feed", "format", "auth")
    search_fields = ("name", "merchant__name", "merchant__code", "endpoint")
    autocomplete_fields = ("merchant",)
    readonly_fields = ("credentials_stored", "last_run_at")
    fieldsets = (
        (None, {"fields": ("merchant", "name", "feed", "is_active")}),
        (_("Source"), {"fields": ("endpoint", "format", "records_path", "field_mapping")}),
        (
            _("Authentication"),
            {"fields": ("auth", "auth_header", "credentials_stored", "new_credentials", "clear_credentials")},
        ),
        (_("Schedule"), {"fields": ("interval_minutes", "next_run_at", "last_run_at")}),
    )
    actions = [run_now]
    show_full_result_count = False

    @admin.display(description=_("credentials stored"), boolean=True)
    def credentials_stored(self, obj):
        return bool(obj and obj.credentials)

    def save_model(self, request, obj, form, change):
        from . import crypto

        if form.cleaned_data.get("new_credentials"):
            obj.credentials = crypto.encrypt(form.cleaned_data["new_credentials"])
        elif form.cleaned_data.get("clear_credentials"):
            obj.credentials = ""
        super().save_model(request, obj, form, change)


@admin.register(ConnectorRun)
class ConnectorRunAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "started_at",
        "connector",
        "merchant",
        "trigger",
        "status",
        "http_status",
        "fetched_rows",
        "imported",
        "duplicates",
        "row_errors_count",
        "error_code",
    )
    list_select_related = ("connector__merchant", "merchant", "batch")
    list_filter = ("status", "trigger", "error_code", ("started_at", admin.DateFieldListFilter))
    search_fields = ("connector__name", "merchant__name", "merchant__code", "error_code")
    fields = (
        "connector",
        "merchant",
        "trigger",
        "status",
        "started_at",
        "finished_at",
        "started_by",
        "http_status",
        "fetched_bytes",
        "fetched_rows",
        "error_code",
        "error",
        "import_link",
        "report_errors",
    )
    readonly_fields = fields
    show_full_result_count = False

    def _report(self, obj):
        if not hasattr(obj, "_report_cache"):
            obj._report_cache = obj.report()
        return obj._report_cache

    @admin.display(description=_("imported"))
    def imported(self, obj):
        return self._report(obj)["created_count"]

    @admin.display(description=_("already there"))
    def duplicates(self, obj):
        return self._report(obj)["duplicate_count"]

    @admin.display(description=_("row errors"))
    def row_errors_count(self, obj):
        return self._report(obj)["error_count"]

    @admin.display(description=_("import"))
    def import_link(self, obj):
        if not obj.batch_id:
            return "—"
        url = reverse("admin:loyalty_importbatch_change", args=[obj.batch_id])
        return format_html('<a href="{}">{}</a>', url, obj.batch)

    @admin.display(description=_("row errors"))
    def report_errors(self, obj):
        errors = self._report(obj)["errors"]
        if not errors:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>#{}: {} — {}</li>", ((e.get("row"), e.get("code"), e.get("message")) for e in errors[:200])
            ),
        )
