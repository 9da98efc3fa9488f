"""The schedule's admin: sessions (created and changed through the services), their
roster with attendance, and the week calendar per venue."""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_filters import UpcomingDateListFilter
from skypark.core.errors import DomainError
from skypark.core.translated_admin import AnyLanguageSearchMixin

from .. import selectors, services
from ..forms import SessionAdminForm
from ..models import Attendee, CourseSession, Venue
from .actions import cancel_sessions, complete_selected, issue_certificates, publish_selected


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
