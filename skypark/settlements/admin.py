"""Back-office of reconciliation: import a provider's daily report (the "Import a
settlement report" button on the reports list), see its lines by status, and close the
open ones (mismatched, unmatched, missing) with the actions."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.core.admin_mixins import ReadOnlyAdminMixin
from skypark.core.errors import DomainError
from skypark.core.widgets import DateInput

from .formats import FORMATS
from .models import SettlementLine, SettlementReport
from .services import line_ignore, line_resolve, report_import, report_rematch

MAX_FILE = 10 * 1024 * 1024


class ImportForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=[(name, name) for name in FORMATS])
    report_date = forms.DateField(label=_("Report date"), widget=DateInput())
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE:
            raise forms.ValidationError(_("The file is too large."))
        return upload


class LineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SettlementLine
    extra = 0
    fields = ("line_number", "reference", "gross", "fee", "net", "currency", "status", "problem", "payment", "note")
    readonly_fields = fields
    ordering = ("status", "line_number", "id")


@admin.register(SettlementReport)
class SettlementReportAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("provider", "report_date", "file_name", "open_lines", "imported_at", "imported_by")
    list_filter = ("provider",)
    date_hierarchy = "report_date"
    inlines = [LineInline]
    actions = ["rematch"]
    change_list_template = "admin/settlements/settlementreport/change_list.html"

    @admin.display(description=_("open lines"))
    def open_lines(self, obj):
        return obj.lines.filter(status__in=SettlementLine.OPEN).count()

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="settlements_settlementreport_import"), *super().get_urls()]

    def import_view(self, request):
        if not request.user.has_perm("settlements.change_settlementreport"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                report = report_import(
                    provider=data["provider"],
                    report_date=data["report_date"],
                    content=data["file"].read(),
                    file_name=data["file"].name,
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error("file", f"{exc.message} {exc.details or ''}".strip())
            else:
                messages.success(request, _("The report is imported."))
                return redirect(reverse("admin:settlements_settlementreport_change", args=[report.pk]))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Import a settlement report"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/settlements/import.html", context)

    @admin.action(description=_("Match the open lines again"), permissions=["view"])
    def rematch(self, request, queryset):
        for report in queryset:
            report_rematch(report=report, actor=request.user)
        messages.success(request, _("Matched again."))


@admin.register(SettlementLine)
class SettlementLineAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "report",
        "line_number",
        "reference",
        "gross",
        "fee",
        "net",
        "currency",
        "status",
        "problem",
        "payment",
    )
    list_filter = ("status", "report__provider")
    search_fields = ("reference", "problem", "note")
    actions = ["resolve", "ignore"]

    def _close(self, request, queryset, service, verb):
        done = 0
        for line in queryset.filter(status__in=SettlementLine.OPEN):
            service(line=line, actor=request.user, note=str(verb))
            done += 1
        messages.success(request, ngettext("%d line closed.", "%d lines closed.", done) % done)

    @admin.action(description=_("Mark as resolved with the provider"), permissions=["view"])
    def resolve(self, request, queryset):
        self._close(request, queryset, line_resolve, _("resolved in the back-office"))

    @admin.action(description=_("Ignore"), permissions=["view"])
    def ignore(self, request, queryset):
        self._close(request, queryset, line_ignore, _("ignored in the back-office"))
