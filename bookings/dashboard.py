"""The admin index panel: how full the coming sessions are."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.core.dashboard import Figure, Panel, Series, register

from . import selectors


@register(scope="network")
def bookings_panel(request):
    if not request.user.has_perm("bookings.view_coursesession"):
        return None
    counts = selectors.upcoming_counts()
    taken, capacity = counts["taken"] or 0, counts["capacity"] or 0
    rows = selectors.revenue_by_type_month()[:12]
    return Panel(
        title=_("Course bookings"),
        figures=[
            Figure(
                _("Upcoming sessions"),
                counts["sessions"],
                ngettext("%(n)s full session", "%(n)s full sessions", counts["full"]) % {"n": counts["full"]},
            ),
            Figure(_("Places taken"), f"{taken} / {capacity}"),
        ],
        series=[
            Series(
                _("Net revenue by month and course type"),
                [(f"{r['month']:%m.%Y} {r['course_type']}", r["net"]) for r in reversed(rows)],
            )
        ],
        link=reverse("admin:bookings-revenue"),
        order=30,
    )
