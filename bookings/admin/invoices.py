"""The company invoices in the back-office: finance sees what is due, downloads the PDF
and records the bank transfer (which confirms the booking)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.errors import DomainError
from skypark.core.formatting import format_money

from .. import services
from ..company import CompanyInvoice
from ..invoice_pdf import invoice_pdf


@admin.action(description=_("Record the bank transfer (marks paid, confirms the booking)"), permissions=["mark_paid"])
def mark_paid(modeladmin, request, queryset):
    done = 0
    for invoice in queryset.filter(status=CompanyInvoice.Status.ISSUED):
        try:
            services.invoice_mark_paid(invoice=invoice, actor=request.user)
        except DomainError as exc:
            modeladmin.message_user(request, f"{invoice.number}: {exc.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, ngettext("%(n)s invoice marked paid.", "%(n)s invoices marked paid.", done) % {"n": done}
        )


@admin.register(CompanyInvoice)
class CompanyInvoiceAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "number",
        "company_name",
        "purchase_order",
        "booking_link",
        "total",
        "due_date",
        "status",
        "reminder_sent_at",
        "paid_at",
    )
    list_select_related = ("booking",)
    list_filter = ("status", ("due_date", admin.DateFieldListFilter))
    search_fields = ("=number", "company_name", "purchase_order", "=vat_number", "=booking__reference")
    date_hierarchy = "due_date"
    show_full_result_count = False
    actions = [mark_paid]
    readonly_fields = (
        "number",
        "booking_link",
        "total",
        "due_date",
        "status",
        "reminder_sent_at",
        "paid_at",
        "paid_by",
        "cancelled_at",
        "pdf_link",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": ("number", "booking_link", "status", "pdf_link")}),
        (
            _("Company"),
            {"fields": ("company_name", "company_address", "purchase_order", "vat_number", "contact_email")},
        ),
        (_("Payment"), {"fields": ("total", "due_date", "reminder_sent_at", "paid_at", "paid_by", "bank_reference")}),
        (_("Record"), {"fields": ("cancelled_at", "created_at")}),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_mark_paid_permission(self, request):
        return request.user.has_perm("bookings.mark_invoice_paid")

    @admin.display(description=_("booking"), ordering="booking__reference")
    def booking_link(self, invoice):
        url = reverse("admin:bookings_booking_change", args=[invoice.booking_id])
        return format_html('<a href="{}">{}</a>', url, invoice.booking.reference)

    @admin.display(description=_("amount"), ordering="amount")
    def total(self, invoice):
        return format_money(invoice.amount, invoice.currency)

    @admin.display(description=_("PDF"))
    def pdf_link(self, invoice):
        if not invoice.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:bookings-invoice-pdf", args=[invoice.pk]), _("Download")
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/pdf/", view(self.pdf_view), name="bookings-invoice-pdf"), *super().get_urls()]

    def pdf_view(self, request, pk):
        invoice = self.get_object(request, str(pk))
        if invoice is None or not self.has_view_permission(request, invoice):
            raise PermissionDenied
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response
