from django.utils.translation import gettext as _

from skypark.accounts.customer_page import ROWS, CustomerPanel, admin_link, changelist_url, customer_panel
from skypark.core.backoffice import place

from .models import Ticket

place("parks", section="parks")


@customer_panel(order=20)
def tickets_panel(request, customer, scope):
    if not scope.everything or not request.user.has_perm("parks.view_ticket"):
        return None
    tickets = Ticket.objects.filter(customer=customer).select_related("park").order_by("-visit_date", "-pk")
    return CustomerPanel(
        key="tickets",
        title=_("Park tickets"),
        columns=[_("backup code"), _("park"), _("visit date"), _("status")],
        rows=[
            [admin_link(t, t.backup_code_display), t.park.name, t.visit_date, t.get_status_display()]
            for t in tickets[:ROWS]
        ],
        total=tickets.count(),
        more_url=changelist_url(Ticket, customer__id__exact=customer.pk),
    )
