"""The admin index panel: the coalition's position — who owes whom, at the close of the
last period and now (the period in progress added). Network staff only."""

from django.urls import reverse
from django.utils.translation import gettext as _

from skypark.core.dashboard import Figure, Panel, register

from .selectors import coalition_position


def _owes(row, amount, currency) -> str:
    if amount < 0:
        return _("owes %(amount)s %(currency)s") % {"amount": -amount, "currency": currency}
    if amount > 0:
        return _("is owed %(amount)s %(currency)s") % {"amount": amount, "currency": currency}
    return _("settled")


@register(scope="network")
def clearing_panel(request):
    if not request.user.has_perm("clearing.view_statement"):
        return None
    position = coalition_position()
    if position is None:
        return None
    currency = position["coalition"].currency
    figures = []
    for row in position["rows"][:12]:
        name = row["name"] or _("Operator")
        figures.append(
            Figure(
                name,
                _owes(row, row["now"], currency),
                hint=_("last period: %(last)s") % {"last": _owes(row, row["last"], currency)},
            )
        )
    if not figures:
        figures.append(Figure(_("Nothing cleared yet"), "—"))
    return Panel(
        title=_("Coalition position: %(name)s") % {"name": position["coalition"].name},
        figures=figures,
        link=reverse("admin:clearing_statement_changelist"),
        order=35,
    )
