"""Back-office for community events: events with their registrations, check-in status,
attendance export, badges and levels, the points ledger and manual awards.

Registrations, ledger lines and member badges change only through the services
(cancellation refunds through the checkout, check-in through the verdict rules, awards
through the audited award page), so their fields are read-only here.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import CUSTOMER, GLOBAL, MERCHANT, ScopedAdminMixin
from skypark.accounts.admin_search import CustomerSearchAdminMixin
from skypark.accounts.masking import phone_as_shown
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_columns import customer_column
from skypark.core.admin_filters import UpcomingDateListFilter
from skypark.core.admin_mixins import ReadOnlyAdminMixin
from skypark.core.csv_export import csv_response
from skypark.core.errors import DomainError
from skypark.core.translated_admin import TranslatedAdmin
from skypark.notify.admin_actions import resend_confirmation

from . import services
from .models import Badge, BadgeLevel, Event, EventType, MemberProfile, PointsEntry, Registration, UserBadge


@admin.register(EventType)
class EventTypeAdmin(ScopedAdminMixin, AuditedAdminMixin, TranslatedAdmin):
    scope = GLOBAL
    list_display = ("code", "name_ru", "name_ky", "name_en", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("customer", "status", "checked_in_at", "checked_out_at", "check_in_method", "order")
    readonly_fields = fields
    ordering = ("pk",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "order")

    def has_add_permission(self, request, obj=None):
        return False


ATTENDANCE_COLUMNS = [
    (_("Event"), lambda r: r.event.title),
    (_("Starts"), lambda r: timezone.localtime(r.event.starts_at).strftime("%Y-%m-%d %H:%M")),
    (_("Phone"), lambda r: phone_as_shown(r.customer.phone)),
    (_("Name"), lambda r: r.customer.name),
    (_("Status"), lambda r: r.get_status_display()),
    (
        _("Checked in"),
        lambda r: timezone.localtime(r.checked_in_at).strftime("%Y-%m-%d %H:%M") if r.checked_in_at else "",
    ),
    (
        _("Checked out"),
        lambda r: timezone.localtime(r.checked_out_at).strftime("%Y-%m-%d %H:%M") if r.checked_out_at else "",
    ),
    (_("Method"), lambda r: r.check_in_method),
    (_("Backup code"), lambda r: r.backup_code),
]


def attendance_csv(registrations, filename) -> HttpResponse:
    header = [label for label, _value in ATTENDANCE_COLUMNS]
    rows = ([value(r) for _label, value in ATTENDANCE_COLUMNS] for r in registrations)
    return csv_response(filename, header, rows)


@admin.action(description=_("Export attendance (CSV)"), permissions=["view"])
def export_attendance(modeladmin, request, queryset):
    registrations = (
        Registration.objects.filter(event__in=queryset)
        .select_related("event", "customer")
        .order_by("event__starts_at", "event_id", "pk")
    )
    return attendance_csv(registrations.iterator(chunk_size=2000), "attendance.csv")


@admin.action(description=_("Duplicate for next week (draft)"), permissions=["add"])
def duplicate_events(modeladmin, request, queryset):
    copies = [services.event_duplicate(event=event, actor=request.user) for event in queryset.order_by("starts_at")]
    messages.success(request, ngettext("Created %d draft copy.", "Created %d draft copies.", len(copies)) % len(copies))


@admin.action(description=_("Cancel the selected events (refunds and notifies everyone)"), permissions=["change"])
def cancel_events(modeladmin, request, queryset):
    done = 0
    for event in queryset:
        try:
            services.event_cancel(event=event, actor=request.user, reason=str(_("Cancelled by the organiser")))
        except DomainError as exc:
            messages.error(request, f"{event}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(
            request,
            ngettext(
                "Cancelled %d event; its registrations are being cancelled and refunded.",
                "Cancelled %d events; their registrations are being cancelled and refunded.",
                done,
            )
            % done,
        )


@admin.register(Event)
class EventAdmin(ScopedAdminMixin, AuditedAdminMixin, TranslatedAdmin):
    scope = MERCHANT
    merchant_lookup = "organiser"
    list_display = (
        "title",
        "event_type",
        "starts_at",
        "location",
        "organiser",
        "status",
        "places",
        "price",
        "points_reward",
    )
    list_select_related = ("event_type", "organiser")
    list_filter = ("status", "event_type", ("starts_at", UpcomingDateListFilter), "organiser")
    search_fields = ("title", "location")
    autocomplete_fields = ("organiser",)
    date_hierarchy = "starts_at"
    show_full_result_count = False
    inlines = [RegistrationInline]
    actions = [export_attendance, duplicate_events, cancel_events]
    readonly_fields = ("places_taken", "reminder_schedule", "cancelled_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("status", "event_type", "title", "cover_image")}),
        (_("Description"), {"fields": ("description",)}),
        (_("When and where"), {"fields": (("starts_at", "ends_at"), "location", "organiser")}),
        (
            _("Places, price and points"),
            {
                "fields": (
                    ("capacity", "places_taken"),
                    ("price", "currency"),
                    "points_reward",
                    "cancellation_cutoff_hours",
                )
            },
        ),
        (_("Reminders"), {"fields": ("reminder_schedule",)}),
        (_("Cancellation"), {"fields": ("cancelled_at", "cancellation_reason")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("places"))
    def places(self, event):
        return f"{event.places_taken} / {event.capacity}" if event.capacity else f"{event.places_taken} / ∞"

    @admin.display(description=_("reminder schedule"))
    def reminder_schedule(self, event):
        if not event.pk:
            return "—"
        rows = []
        for hours in services.reminder_hours():
            at = timezone.localtime(event.starts_at - datetime.timedelta(hours=hours))
            done = _("sent") if hours in (event.reminders_sent or []) else _("planned")
            before = ngettext("%(n)s hour before", "%(n)s hours before", hours) % {"n": hours}
            rows.append((before, date_format(at, "SHORT_DATETIME_FORMAT"), done))
        return format_html_join("", "<div>{}: {} — {}</div>", rows) or _(
            "No reminders (system setting events.reminder_hours)."
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/attendance.csv", view(self.attendance_view), name="events-attendance"),
            *super().get_urls(),
        ]

    def attendance_view(self, request, pk):
        event = self.get_object(request, str(pk))
        if event is None or not self.has_view_permission(request, event):
            raise PermissionDenied
        registrations = Registration.objects.filter(event=event).select_related("event", "customer").order_by("pk")
        return attendance_csv(registrations, f"attendance-{event.pk}.csv")


@admin.action(description=_("Check in the selected members (manual)"), permissions=["change"])
def check_in_selected(modeladmin, request, queryset):
    done = 0
    for registration in queryset:
        result = services.registration_check_in_manual(registration=registration, staff=request.user)
        if result.admitted:
            done += 1
        else:
            messages.warning(request, f"{registration.customer}: {result.message}")
    if done:
        messages.success(request, ngettext("Checked in %d member.", "Checked in %d members.", done) % done)


@admin.action(description=_("Check out the selected members"), permissions=["change"])
def check_out_selected(modeladmin, request, queryset):
    for registration in queryset.filter(checked_in_at__isnull=False):
        services.registration_check_out(registration=registration, staff=request.user)


@admin.action(description=_("Record a trivia win for the selected members"), permissions=["change"])
def trivia_win_selected(modeladmin, request, queryset):
    for registration in queryset.select_related("customer", "event"):
        services.trivia_win_record(customer=registration.customer, event=registration.event, actor=request.user)
    messages.success(request, _("Trivia wins recorded."))


@admin.register(Registration)
class RegistrationAdmin(ScopedAdminMixin, CustomerSearchAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    merchant_lookup = "event__organiser"
    list_display = ("backup_code", "event", customer_column, "status", "checked_in_at", "checked_out_at", "order")
    list_select_related = ("event", "customer", "order")
    list_filter = ("status", ("checked_in_at", admin.DateFieldListFilter), "event__event_type")
    search_backup_code = "backup_code"
    search_customer = "customer"
    search_order = "order"
    search_help_text = _("Backup code, order reference, phone or customer name.")
    show_full_result_count = False
    actions = [check_in_selected, check_out_selected, trivia_win_selected, resend_confirmation]
    readonly_fields = [f.name for f in Registration._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BadgeLevelInline(admin.TabularInline):
    model = BadgeLevel
    extra = 0
    max_num = 5
    ordering = ("level",)


@admin.register(Badge)
class BadgeAdmin(ScopedAdminMixin, AuditedAdminMixin, TranslatedAdmin):
    scope = GLOBAL
    list_display = ("code", "name", "badge_type", "category", "icon", "is_active", "level_list")
    list_filter = ("badge_type", "is_active", "category")
    search_fields = ("code", "name")
    inlines = [BadgeLevelInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("levels")

    @admin.display(description=_("levels (requirement → points)"))
    def level_list(self, badge):
        return ", ".join(f"{lv.level}: {lv.requirement} → {lv.points}" for lv in badge.levels.all())


@admin.register(UserBadge)
class UserBadgeAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = CUSTOMER
    list_display = ("customer", "badge", "level", "earned_at", "levelled_at")
    list_select_related = ("customer", "badge")
    list_filter = ("badge", "level")
    search_fields = ("=customer__phone",)
    show_full_result_count = False


@admin.register(PointsEntry)
class PointsEntryAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    merchant_lookup = "event__organiser"
    list_display = ("created_at", "customer", "points", "kind", "description", "event", "created_by")
    list_select_related = ("customer", "event", "created_by")
    list_filter = ("kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=customer__phone", "=reference")
    show_full_result_count = False


class AwardForm(forms.Form):
    phone = forms.CharField(label=_("Member's phone"), max_length=20)
    points = forms.IntegerField(label=_("Points"), required=False, help_text=_("Negative to take points back."))
    badge = forms.ModelChoiceField(label=_("Badge"), queryset=Badge.objects.filter(is_active=True), required=False)
    level = forms.IntegerField(label=_("Badge level"), required=False, min_value=1, max_value=5)
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def clean_phone(self):
        from skypark.accounts.phones import normalise_phone

        try:
            phone = normalise_phone(self.cleaned_data["phone"])
        except forms.ValidationError:
            raise forms.ValidationError(_("Enter a valid phone number."))
        user = get_user_model().objects.filter(phone=phone).first()
        if user is None:
            raise forms.ValidationError(_("No member has this phone number."))
        self.member = user
        return phone

    def clean(self):
        data = super().clean()
        if not data.get("points") and not data.get("badge"):
            raise forms.ValidationError(_("Give points, a badge, or both."))
        if data.get("badge") and not data.get("level"):
            raise forms.ValidationError(_("Choose the badge level."))
        return data


@admin.register(MemberProfile)
class MemberProfileAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = CUSTOMER
    list_display = ("customer", "points_total", "current_streak", "longest_streak", "last_attended_week", "referred_by")
    list_select_related = ("customer", "referred_by")
    search_fields = ("=customer__phone",)
    show_full_result_count = False
    change_list_template = "admin/events/memberprofile/change_list.html"

    def get_urls(self):
        return [
            path("award/", self.admin_site.admin_view(self.award_view), name="events-award"),
            *super().get_urls(),
        ]

    def award_view(self, request):
        if self.read_only_for(request) or not request.user.has_perm("events.add_pointsentry"):
            raise PermissionDenied
        form = AwardForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data.get("points"):
                    services.points_award_manual(
                        customer=form.member, points=data["points"], reason=data["reason"], actor=request.user
                    )
                if data.get("badge"):
                    services.badge_award_manual(
                        customer=form.member,
                        badge=data["badge"],
                        level=data["level"],
                        reason=data["reason"],
                        actor=request.user,
                    )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Awarded to %(member)s.") % {"member": form.member})
                return redirect(reverse("admin:events_memberprofile_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Award points or a badge"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/events/award.html", context)
