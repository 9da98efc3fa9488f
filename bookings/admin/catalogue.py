"""The catalogue's admins: course types, courses and venues (with a link to each venue's week)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import GLOBAL, ScopedAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.translated_admin import TranslatedAdmin

from ..forms import VenueAdminForm
from ..models import Course, CourseType, Venue


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
