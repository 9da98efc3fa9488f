from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin

from .admin_mixins import LargeTableAdminMixin, ReadOnlyAdminMixin
from .models import OutboxMessage, StaffJob


@admin.register(StaffJob)
class StaffJobAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("created_at", "description", "kind", "status", "progress_bar", "created_by", "finished_at")
    list_filter = ("status", "kind")
    search_fields = ("description", "kind")
    list_select_related = ("created_by",)
    show_full_result_count = False
    fields = (
        "kind",
        "description",
        "status",
        "progress_bar",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "params",
        "result",
        "download",
        "errors",
    )
    readonly_fields = fields

    @admin.display(description=_("progress"))
    def progress_bar(self, job):
        return format_html(
            '<progress max="100" value="{}" aria-label="{}">{}%</progress> {}/{}',
            job.percent,
            _("progress"),
            job.percent,
            job.done,
            job.total,
        )

    @admin.display(description=_("file"))
    def download(self, job):
        from .admin_export import JOB_KIND

        if job.kind != JOB_KIND or job.status != StaffJob.Status.SUCCEEDED:
            return "—"
        return format_html(
            '<a href="{}" class="export-download">{}</a>',
            reverse("admin:export_download", args=[job.pk]),
            _("Download the export"),
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """What must follow each business event, and whether it has: a row without
    "processed at" and with attempts and an error is stuck (the sweep keeps trying it
    up to ``skypark.core.outbox.MAX_ATTEMPTS`` times)."""

    scope = NETWORK
    list_display = ("created_at", "kind", "processed_at", "attempts", "short_error")
    list_filter = (("processed_at", admin.EmptyFieldListFilter), "kind")
    search_fields = ("=id",)
    fields = ("kind", "created_at", "processed_at", "attempts", "last_error", "payload")
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def short_error(self, message):
        return message.last_error[:120]
