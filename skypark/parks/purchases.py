"""How the checkout's pages show the park tickets an order sold (see ``commerce.items``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from skypark.commerce.items import PurchasedItem

from .models import Ticket


def tickets_describe(object_ids: list[str]) -> dict[str, PurchasedItem]:
    tickets = Ticket.objects.filter(pk__in=[int(i) for i in object_ids if i.isdigit()]).select_related("park")
    return {
        str(ticket.pk): PurchasedItem(
            title=ticket.park.display_name,
            url=reverse("parks:ticket-detail", args=[ticket.pk]),
            link_label=_("Open the ticket"),
            when=ticket.visit_date,
            place=ticket.park.display_address,
            people=tuple(str(person.get("name", "")) for person in ticket.children_data or ()),
            status=ticket.get_status_display(),
            reference=ticket.backup_code_display,
            again_url=reverse("parks:park-detail", args=[ticket.park.slug]),
        )
        for ticket in tickets
    }
