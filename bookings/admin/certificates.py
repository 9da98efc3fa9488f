"""The certificates' admin: read-only, with a link to each PDF."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.core.admin_filters import UpcomingDateListFilter

from ..models import Certificate


@admin.register(Certificate)
class CertificateAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("number", "learner_name", "course", "issued_on", "expires_on", "expiry_notice_sent_at", "pdf")
    list_select_related = ("course",)
    list_filter = ("course__course_type", ("expires_on", UpcomingDateListFilter))
    search_fields = ("=number", "learner_name", "learner_email", "=booking__reference")
    show_full_result_count = False
    readonly_fields = [f.name for f in Certificate._meta.fields]

    @admin.display(description=_("PDF"))
    def pdf(self, certificate):
        return format_html(
            '<a href="{}">{}</a>', reverse("bookings:certificate-pdf", args=[certificate.number]), _("Download")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
