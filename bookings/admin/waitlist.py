"""Back-office for the course waiting lists: who waits for which session, in what order,
which offers are open and until when. Entries change only through the waiting-list
services (they lock the session and write the audit log): the actions offer freed
places now, lapse overdue offers, and take entries off the list."""

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.accounts.admin_search import CustomerSearchAdminMixin
from skypark.core.admin_columns import customer_column
from skypark.core.admin_filters import UpcomingDateListFilter
from skypark.core.csv_export import csv_response

from .. import services
from ..models import WaitlistEntry


@admin.action(description=_("Offer freed places and lapse overdue offers now"))
def offers_run(modeladmin, request, queryset):
    lapsed = services.waitlist_offers_expire()
    messages.success(
        request, ngettext("%(n)d overdue offer lapsed.", "%(n)d overdue offers lapsed.", lapsed) % {"n": lapsed}
    )


@admin.action(description=_("Take the selected entries off the list"), permissions=["change"])
def entries_cancel(modeladmin, request, queryset):
    done = 0
    for entry in queryset.filter(status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)):
        services.waitlist_leave(entry=entry, actor=request.user)
        done += 1
    messages.success(
        request, ngettext("%(n)d entry taken off the list.", "%(n)d entries taken off the list.", done) % {"n": done}
    )


@admin.action(description=_("Export the selected entries (CSV)"))
def entries_export(modeladmin, request, queryset):
    rows = [
        (
            entry.pk,
            entry.session.course.name,
            entry.session.local_starts_at.strftime("%Y-%m-%d %H:%M"),
            entry.session.venue.time_zone,
            entry.customer.phone,
            entry.places,
            "; ".join(person.get("name", "") for person in entry.attendees),
            entry.get_status_display(),
            entry.joined_at.isoformat(),
            entry.offer_expires_at.isoformat() if entry.offer_expires_at else "",
        )
        for entry in queryset.select_related("session__course", "session__venue", "customer")
    ]
    header = (
        "id",
        "course",
        "starts (venue time)",
        "zone",
        "phone",
        "places",
        "attendees",
        "status",
        "joined",
        "offer until",
    )
    return csv_response("course-waiting-list.csv", header, rows)


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ScopedAdminMixin, CustomerSearchAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    search_customer = "customer"
    list_display = (
        "session",
        customer_column,
        "places",
        "people",
        "split_if_needed",
        "status",
        "position",
        "joined_at",
        "offer_expires_at",
    )
    list_select_related = ("session__course", "session__venue", "customer")
    list_filter = (
        "status",
        "split_if_needed",
        "session__course__course_type",
        "session__venue",
        ("session__starts_at", UpcomingDateListFilter),
    )
    search_fields = ("session__course__name", "session__venue__name")
    show_full_result_count = False
    actions = [offers_run, entries_cancel, entries_export]
    readonly_fields = [field.name for field in WaitlistEntry._meta.fields]

    @admin.display(description=_("Attendees"))
    def people(self, entry):
        return format_html_join(", ", "{}", ((person.get("name", ""),) for person in entry.attendees))

    @admin.display(description=_("Position"))
    def position(self, entry):
        return entry.list_position if entry.status == WaitlistEntry.Status.WAITING else "—"

    def get_queryset(self, request):
        """The place in the list, counted in the same query (one subquery per row, not
        one query per row)."""
        ahead = (
            WaitlistEntry.objects.filter(session=OuterRef("session"), status=WaitlistEntry.Status.WAITING)
            .filter(Q(joined_at__lt=OuterRef("joined_at")) | Q(joined_at=OuterRef("joined_at"), pk__lte=OuterRef("pk")))
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(list_position=Subquery(ahead))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
