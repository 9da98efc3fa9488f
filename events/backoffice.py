from django.utils.translation import gettext as _

from skypark.accounts.customer_page import ROWS, CustomerPanel, admin_link, changelist_url, customer_panel
from skypark.core.backoffice import place

from .models import Registration

place("events", section="events")


@customer_panel(order=40)
def registrations_panel(request, customer, scope):
    if not request.user.has_perm("events.view_registration"):
        return None
    registrations = Registration.objects.filter(customer=customer)
    if not scope.everything:
        registrations = registrations.filter(event__organiser__in=scope.merchant_ids)
    registrations = registrations.select_related("event").order_by("-event__starts_at", "-pk")
    return CustomerPanel(
        key="registrations",
        title=_("Event registrations"),
        columns=[_("backup code"), _("event"), _("starts at"), _("status")],
        rows=[
            [admin_link(r, r.backup_code), r.event.title, r.event.starts_at, r.get_status_display()]
            for r in registrations[:ROWS]
        ],
        total=registrations.count(),
        more_url=changelist_url(Registration, customer__id__exact=customer.pk),
    )
