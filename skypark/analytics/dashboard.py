from django.urls import reverse
from django.utils.translation import gettext as _

from skypark.accounts.admin_scoping import merchant_ids_for
from skypark.core.dashboard import Figure, Panel, register


@register(scope="merchant")
def analytics_panel(request):
    """A way into the analytics page for everyone who may open it (network staff and
    merchant staff, who see their merchant's figures there)."""
    allowed = merchant_ids_for(request.user)
    if allowed is not None and not allowed:
        return None
    return Panel(
        title=_("Analytics"),
        figures=[Figure(_("Revenue, RFM segments, win-win matrix"), "→")],
        link=reverse("analytics-report"),
        order=95,
    )
