from django.utils.translation import gettext as _

from skypark.accounts.customer_page import ROWS, CustomerPanel, admin_link, changelist_url, customer_panel
from skypark.core.backoffice import place
from skypark.core.formatting import format_money

from .models import Order

place("commerce", section="finance")


@customer_panel(order=10)
def orders_panel(request, customer, scope):
    if not scope.everything or not request.user.has_perm("commerce.view_order"):
        return None
    orders = Order.objects.filter(customer=customer).order_by("-created_at", "-pk")
    return CustomerPanel(
        key="orders",
        title=_("Orders"),
        columns=[_("reference"), _("created at"), _("status"), _("total")],
        rows=[
            [admin_link(o, o.reference), o.created_at, o.get_status_display(), format_money(o.total, o.currency)]
            for o in orders[:ROWS]
        ],
        total=orders.count(),
        more_url=changelist_url(Order, customer__id__exact=customer.pk),
    )
