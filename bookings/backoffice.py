from django.utils.translation import gettext as _

from skypark.accounts.customer_page import ROWS, CustomerPanel, admin_link, changelist_url, customer_panel
from skypark.core.backoffice import place

from .models import Booking

place("bookings", section="courses")


@customer_panel(order=30)
def bookings_panel(request, customer, scope):
    if not scope.everything or not request.user.has_perm("bookings.view_booking"):
        return None
    bookings = (
        Booking.objects.filter(customer=customer)
        .select_related("session__course", "session__venue")
        .order_by("-session__starts_at", "-pk")
    )
    return CustomerPanel(
        key="bookings",
        title=_("Course bookings"),
        columns=[_("reference"), _("course"), _("starts at"), _("status")],
        rows=[
            [admin_link(b, b.reference), b.session.course.name, b.session.starts_at, b.get_status_display()]
            for b in bookings[:ROWS]
        ],
        total=bookings.count(),
        more_url=changelist_url(Booking, customer__id__exact=customer.pk),
    )
