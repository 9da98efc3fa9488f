"""The bookings' admin: attendees, payments and refunds of each booking, partial refunds,
and the revenue report by course type and month."""

from decimal import Decimal, InvalidOperation

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.accounts.admin_search import CustomerSearchAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.commerce.models import Payment
from skypark.core.admin_columns import customer_column
from skypark.core.admin_filters import UpcomingDateListFilter
from skypark.core.csv_export import csv_response
from skypark.core.errors import DomainError
from skypark.core.formatting import format_money
from skypark.notify.admin_actions import resend_confirmation

from .. import selectors, services
from ..models import Attendee, Booking
from .actions import cancel_full_refund, cancel_per_policy


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0
    fields = ("name", "email", "attendance", "marked_at", "marked_by")
    readonly_fields = ("attendance", "marked_at", "marked_by")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(ScopedAdminMixin, CustomerSearchAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "reference",
        customer_column,
        "session",
        "places",
        "status",
        "payment_status",
        "amount",
        "created_at",
    )
    list_select_related = ("customer", "session__course", "discount_code")
    list_filter = (
        "status",
        "payment_status",
        "session__course__course_type",
        ("session__starts_at", UpcomingDateListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    search_also = ("attendees__email",)
    search_references = ("reference",)
    search_customer = "customer"
    search_order = "order"
    search_help_text = _("Booking or order reference, phone, e-mail or customer name.")
    show_full_result_count = False
    actions = [cancel_per_policy, cancel_full_refund, resend_confirmation]
    inlines = [AttendeeInline]
    readonly_fields = [f.name for f in Booking._meta.fields if f.name != "notes"] + ["payments"]
    fieldsets = (
        (None, {"fields": ("reference", "customer", "session", "places", "status", "notes")}),
        (
            _("Payment"),
            {
                "fields": (
                    "payment_status",
                    ("unit_price", "currency"),
                    ("discount_code", "discount_applied"),
                    ("amount", "refunded_amount"),
                    "order",
                    "payments",
                )
            },
        ),
        (
            _("Record"),
            {
                "fields": (
                    "confirmed_at",
                    "confirmation_sent_at",
                    "reminder_sent_at",
                    "cancelled_at",
                    "cancellation_reason",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_refund_permission(self, request):
        return request.user.has_perm("commerce.refund_order")

    @admin.display(description=_("Payments and refunds"))
    def payments(self, booking):
        """The checkout's payments and refunds of this booking's order, read-only."""
        if not booking.order_id:
            return "—"
        payments = Payment.objects.filter(order_id=booking.order_id).prefetch_related("refunds").order_by("pk")
        rows = []
        for payment in payments:
            rows.append(
                (
                    date_format(timezone.localtime(payment.created_at), "SHORT_DATETIME_FORMAT"),
                    payment.get_method_display(),
                    payment.provider,
                    format_money(payment.amount, payment.currency),
                    payment.get_status_display(),
                    "; ".join(
                        f"−{format_money(r.amount, payment.currency)} ({r.reason or '—'})"
                        for r in payment.refunds.all()
                    )
                    or "—",
                )
            )
        if not rows:
            return _("No payment attempts yet.")
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("When"),
            _("Method"),
            _("Provider"),
            _("Amount"),
            _("Status"),
            _("Refunds"),
            body,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("revenue/", view(self.revenue_view), name="bookings-revenue"),
            path("<int:pk>/refund/", view(self.refund_view), name="bookings-booking-refund"),
            *super().get_urls(),
        ]

    def refund_view(self, request, pk):
        """A full or partial refund with a reason, without cancelling the booking."""
        if not self.has_refund_permission(request):
            raise PermissionDenied
        booking = Booking.objects.select_related("session__course", "customer").filter(pk=pk).first()
        if booking is None:
            raise Http404
        error = ""
        if request.method == "POST":
            reason = request.POST.get("reason", "").strip()
            raw = request.POST.get("amount", "").strip()
            try:
                amount = Decimal(raw) if raw else None
            except InvalidOperation:
                error = _("Enter an amount such as 12.50, or leave it empty for everything left.")
            else:
                try:
                    services.booking_refund(booking=booking, amount=amount, reason=reason, actor=request.user)
                except DomainError as exc:
                    error = exc.message
                else:
                    messages.success(request, _("Refunded."))
                    return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund booking %(reference)s") % {"reference": booking.reference},
            "booking": booking,
            "refundable": booking.amount - booking.refunded_amount,
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/bookings/refund.html", context)

    def revenue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        date_from = parse_date(request.GET.get("from") or "")
        date_to = parse_date(request.GET.get("to") or "")
        rows = selectors.revenue_by_type_month(date_from=date_from, date_to=date_to)
        if request.GET.get("format") == "csv":
            return _revenue_csv(rows)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revenue by course type and month"),
            "rows": rows,
            "date_from": date_from,
            "date_to": date_to,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/bookings/revenue.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "refund_url": reverse("admin:bookings-booking-refund", args=[object_id])
            if self.has_refund_permission(request)
            else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)


REVENUE_COLUMNS = [
    ("month", _("Month")),
    ("course_type", _("Course type")),
    ("currency", _("Currency")),
    ("bookings", _("Bookings")),
    ("places", _("Places")),
    ("gross", _("Paid")),
    ("refunded", _("Refunded")),
    ("net", _("Net")),
]


def _revenue_csv(rows):
    header = [label for _key, label in REVENUE_COLUMNS]
    cells = (
        [row["month"].strftime("%Y-%m") if key == "month" else row[key] for key, _label in REVENUE_COLUMNS]
        for row in rows
    )
    return csv_response("course-revenue.csv", header, cells)
