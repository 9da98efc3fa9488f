"""The admin index panel: occupancy per park right now."""

from django.urls import reverse
from django.utils.translation import gettext as _

from skypark.config.selectors import get_decimal
from skypark.core.dashboard import Figure, Panel, Series, register

from .selectors import occupancy_board


@register(scope="network")
def occupancy_panel(request):
    if not request.user.has_perm("parks.view_park"):
        return None
    rows = occupancy_board()
    threshold = get_decimal("capacity.warning_threshold") * 100
    figures = [
        Figure(
            row["park"].name,
            f"{row['inside']} / {row['capacity']}",
            _("Warning: above %(t)s%%") % {"t": threshold.normalize()} if row["percent"] >= threshold else "",
        )
        for row in rows
    ]
    return Panel(
        title=_("Park occupancy"),
        figures=figures,
        series=[Series(_("Inside now, percent of capacity"), [(row["park"].name, row["percent"]) for row in rows])],
        link=reverse("admin:parks-occupancy"),
        order=10,
    )


@register(scope="network")
def double_entries_panel(request):
    """Double entries found by the gates' merge today and over the last week, per park."""
    if not request.user.has_perm("parks.view_doubleentry"):
        return None
    from .selectors import double_entries_recent

    rows = double_entries_recent()
    figures = [Figure(row["park"], str(row["today"]), _("%(n)s in 7 days") % {"n": row["week"]}) for row in rows]
    if not figures:
        figures = [Figure(_("Double entries today"), "0", "")]
    return Panel(
        title=_("Double entries at the gates"),
        figures=figures,
        link=reverse("admin:parks_doubleentry_changelist"),
        order=11,
    )
