from django.utils.translation import gettext as _

from skypark.accounts.customer_page import ROWS, CustomerPanel, admin_link, changelist_url, customer_panel
from skypark.core.backoffice import place

from .models import Notification

place("notify", section="customers")


@customer_panel(order=70)
def notifications_panel(request, customer, scope):
    if not scope.everything or not request.user.has_perm("notify.view_notification"):
        return None
    notifications = Notification.objects.filter(recipient=customer).order_by("-created_at", "-pk")
    return CustomerPanel(
        key="notifications",
        title=_("Notifications"),
        columns=[_("created at"), _("channel"), _("kind"), _("status")],
        rows=[
            [admin_link(n, n.created_at), n.get_channel_display(), n.kind, n.get_status_display()]
            for n in notifications[:ROWS]
        ],
        total=notifications.count(),
        more_url=changelist_url(Notification, recipient__id__exact=customer.pk),
    )
