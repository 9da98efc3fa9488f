"""Back-office for course bookings: catalogue, venues, the schedule (list and week
calendar per venue), rosters, bookings with their payments, discount codes with usage,
certificates and the revenue report.

Sessions, bookings and certificates change only through ``bookings.services`` (which
write the audit log); everything else is edited here with ``AuditedAdminMixin``, so every
admin change is in the core audit log (the seed's ``admin_activity_logs``).
"""

import datetime
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
from django.utils.translation import ngettext, ngettext_lazy

from skypark.accounts.admin_scoping import GLOBAL, NETWORK, ScopedAdminMixin
from skypark.accounts.admin_search import CustomerSearchAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.commerce.models import Payment
from skypark.core.admin_columns import customer_column
from skypark.core.admin_filters import UpcomingDateListFilter
from skypark.core.csv_export import csv_response
from skypark.core.errors import DomainError
from skypark.core.formatting import format_money
from skypark.core.translated_admin import AnyLanguageSearchMixin, TranslatedAdmin
from skypark.notify.admin_actions import resend_confirmation

from . import selectors, services
from .forms import SessionAdminForm, VenueAdminForm
from .models import Attendee, Booking, Certificate, Course, CourseSession, CourseType, DiscountCode, Venue


@admin.register(CourseType)
class CourseTypeAdmin(ScopedAdminMixin, AuditedAdminMixin, TranslatedAdmin):
    scope = GLOBAL
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")


@admin.register(Course)
class CourseAdmin(ScopedAdminMixin, AuditedAdminMixin, TranslatedAdmin):
    scope = GLOBAL
    list_display = (
        "name",
        "course_type",
        "duration_hours",
        "price",
        "currency",
        "max_capacity",
        "certificate_validity_years",
        "is_active",
    )
    list_select_related = ("course_type",)
    list_filter = ("is_active", "course_type")
    search_fields = ("name",)


@admin.register(Venue)
class VenueAdmin(ScopedAdminMixin, AuditedAdminMixin, TranslatedAdmin):
    scope = GLOBAL
    form = VenueAdminForm
    list_display = ("name", "city", "postcode", "capacity", "is_active", "calendar_link")
    list_filter = ("is_active", "country", "city")
    search_fields = ("name", "city", "postcode")

    @admin.display(description=_("Calendar"))
    def calendar_link(self, venue):
        url = reverse("admin:bookings-venue-week", args=[venue.pk])
        return format_html('<a href="{}">{}</a>', url, _("Week"))


# --- sessions ---------------------------------------------------------------------------


def _each(request, queryset, action, done_message):
    done = 0
    for obj in queryset:
        try:
            action(obj)
        except DomainError as exc:
            messages.error(request, f"{obj}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, done_message % done)


@admin.action(description=_("Publish the selected sessions"), permissions=["change"])
def publish_selected(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda s: services.session_publish(session=s, actor=request.user),
        ngettext_lazy("Published %d session.", "Published %d sessions."),
    )


@admin.action(description=_("Cancel the selected sessions and refund everyone in full"), permissions=["change"])
def cancel_sessions(modeladmin, request, queryset):
    # Each session is locked and marked cancelled at once; the refunds and e-mails run
    # as a background job whose progress shows under the background jobs.
    _each(
        request,
        queryset.exclude(status=CourseSession.Status.CANCELLED),
        lambda s: services.session_cancel_start(session=s, actor=request.user),
        ngettext_lazy("Cancelled %d session.", "Cancelled %d sessions."),
    )


@admin.action(description=_("Mark the selected sessions completed"), permissions=["change"])
def complete_selected(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda s: services.session_complete(session=s, actor=request.user),
        ngettext_lazy("Completed %d session.", "Completed %d sessions."),
    )


@admin.action(description=_("Issue certificates for the selected sessions"), permissions=["issue"])
def issue_certificates(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda s: services.certificates_issue(session=s, actor=request.user),
        ngettext_lazy("Issued certificates for %d session.", "Issued certificates for %d sessions."),
    )


@admin.register(CourseSession)
class CourseSessionAdmin(ScopedAdminMixin, AnyLanguageSearchMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    form = SessionAdminForm
    list_display = (
        "starts_at",
        "course",
        "venue",
        "instructor",
        "status",
        "places",
        "completed_at",
        "roster_link",
    )
    list_select_related = ("course", "venue", "instructor")
    list_filter = ("status", "venue", "course__course_type", ("starts_at", UpcomingDateListFilter))
    search_fields = ("course__name", "venue__name", "venue__city")
    autocomplete_fields = ("course", "venue")
    date_hierarchy = "starts_at"
    show_full_result_count = False
    actions = [publish_selected, complete_selected, issue_certificates, cancel_sessions]
    readonly_fields = ("status", "places_taken", "completed_at", "created_by", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "course",
                    "venue",
                    "instructor",
                    ("starts_at", "ends_at"),
                    "further_days",
                    "capacity",
                    "notes",
                )
            },
        ),
        (_("State"), {"fields": ("status", "places_taken", "completed_at", "created_by", "created_at", "updated_at")}),
    )

    @admin.display(description=_("Places"))
    def places(self, session):
        return f"{session.places_taken} / {session.capacity}"

    @admin.display(description=_("Roster"))
    def roster_link(self, session):
        return format_html('<a href="{}">{}</a>', reverse("admin:bookings-roster", args=[session.pk]), _("Roster"))

    def has_issue_permission(self, request):
        return request.user.has_perm("bookings.issue_certificate")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Through the services: they lock, check overlaps (and turn the database's
        exclusion constraint into a message) and write the audit entry."""
        data = {name: form.cleaned_data.get(name) for name in SessionAdminForm.Meta.fields}
        if form.days:
            data["days"] = form.days
        try:
            if change:
                saved = services.session_update(session=obj, actor=request.user, **data)
            else:
                saved = services.session_create(actor=request.user, **data)
        except DomainError as exc:
            # The form ran the same checks a moment ago; only a scheduler racing this one
            # (refused by the row lock or the exclusion constraint) gets here.
            raise PermissionDenied(exc.message)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/roster/", view(self.roster_view), name="bookings-roster"),
            path("venue/<int:venue_id>/week/", view(self.week_view), name="bookings-venue-week"),
            *super().get_urls(),
        ]

    def roster_view(self, request, pk):
        if not (self.has_view_permission(request) or request.user.has_perm("bookings.mark_attendance")):
            raise PermissionDenied
        session = CourseSession.objects.select_related("course", "venue", "instructor").filter(pk=pk).first()
        if session is None:
            raise Http404
        if request.method == "POST" and request.POST.get("do") in ("complete", "certificates"):
            return self._roster_session_action(request, session)
        if request.method == "POST":
            if not request.user.has_perm("bookings.mark_attendance"):
                raise PermissionDenied
            attendee = Attendee.objects.filter(pk=request.POST.get("attendee"), booking__session=session).first()
            if attendee is None:
                raise Http404
            day = session.days.filter(pk=request.POST.get("day")).first() if request.POST.get("day") else None
            try:
                services.attendance_mark(
                    attendee=attendee, present=request.POST.get("present") == "1", actor=request.user, day=day
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            return HttpResponseRedirect(request.path)
        days, bookings = selectors.roster_grid(session=session)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Roster: %(session)s") % {"session": session},
            "session": session,
            "days": days,
            "bookings": bookings,
            "can_mark": request.user.has_perm("bookings.mark_attendance"),
            "can_complete": self.has_change_permission(request, session) and not session.completed_at,
            "can_issue": self.has_issue_permission(request) and session.completed_at is not None,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/bookings/roster.html", context)

    def _roster_session_action(self, request, session):
        """Completing the session and issuing its certificates, from the roster."""
        if request.POST["do"] == "complete":
            allowed = self.has_change_permission(request, session)
        else:
            allowed = self.has_issue_permission(request)
        if not allowed:
            raise PermissionDenied
        try:
            if request.POST["do"] == "complete":
                services.session_complete(session=session, actor=request.user)
                messages.success(request, _("The session is completed."))
            else:
                issued = services.certificates_issue(session=session, actor=request.user)
                messages.success(
                    request,
                    ngettext("%(n)s certificate issued.", "%(n)s certificates issued.", len(issued))
                    % {"n": len(issued)},
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(request.path)

    def week_view(self, request, venue_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        venue = Venue.objects.filter(pk=venue_id).first()
        if venue is None:
            raise Http404
        start = parse_date(request.GET.get("start") or "") or timezone.localdate()
        start -= datetime.timedelta(days=start.weekday())
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(venue)s: week of %(date)s")
            % {"venue": venue, "date": date_format(start, "SHORT_DATE_FORMAT")},
            "venue": venue,
            "venues": Venue.objects.filter(is_active=True).order_by("city", "name"),
            "days": selectors.week_calendar(venue=venue, week_start=start),
            "previous": start - datetime.timedelta(days=7),
            "next": start + datetime.timedelta(days=7),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/bookings/week.html", context)


# --- bookings ---------------------------------------------------------------------------


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0
    fields = ("name", "email", "attendance", "marked_at", "marked_by")
    readonly_fields = ("attendance", "marked_at", "marked_by")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description=_("Cancel, refunding per the cancellation policy"), permissions=["change"])
def cancel_per_policy(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda b: services.booking_cancel(
            booking=b, actor=request.user, reason=str(_("Cancelled by staff.")), by_staff=True
        ),
        ngettext_lazy("Cancelled %d booking.", "Cancelled %d bookings."),
    )


@admin.action(description=_("Cancel with a full refund"), permissions=["refund"])
def cancel_full_refund(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda b: services.booking_cancel(
            booking=b, actor=request.user, reason=str(_("Cancelled by staff.")), by_staff=True, full_refund=True
        ),
        ngettext_lazy("Cancelled %d booking.", "Cancelled %d bookings."),
    )


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


# --- discount codes and certificates ----------------------------------------------------


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


# The waiting list and company invoices have their own modules; importing them registers their admins.
from . import admin_waitlist, invoice_admin  # noqa: E402, F401
