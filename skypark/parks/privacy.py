"""Personal data held by parks: tickets (with the children's names at purchase) and visits."""

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from skypark.commerce.models import OrderLine
from skypark.privacy.registry import Section, not_personal, register, rows

from .models import GateScan, ParkVisit, Ticket, TicketStatus

ERASED_CHILD = "—"


def export(user):
    tickets = Ticket.objects.filter(customer=user).order_by("pk")
    return {
        "tickets": rows(tickets, exclude=("validated_by",)),
        "visits": rows(ParkVisit.objects.filter(ticket__customer=user).order_by("pk"), exclude=("validated_by",)),
    }


def erase(user):
    # The adults named to collect the children, and those the gates recorded with them.
    Ticket.objects.filter(customer=user).exclude(guardians=[]).update(guardians=[])
    GateScan.objects.filter(ticket__customer=user).exclude(guardian="").update(guardian=ERASED_CHILD)
    for ticket in Ticket.objects.filter(customer=user).exclude(children_data=[], notes=""):
        names = [str(child.get("name") or "") for child in ticket.children_data]
        ticket.children_data = [{**child, "name": ERASED_CHILD} for child in ticket.children_data]
        ticket.notes = ""
        ticket.save(update_fields=["children_data", "notes", "updated_at"])
        if ticket.order_id is None:
            continue
        # The order's lines read "Park, date, band: name (age)"; amounts stay as they are.
        for line in OrderLine.objects.filter(order_id=ticket.order_id):
            description = line.description
            for name in filter(None, names):
                if name != ERASED_CHILD:
                    description = description.replace(f": {name} (", f": {ERASED_CHILD} (")
            if description != line.description:
                OrderLine.objects.filter(pk=line.pk).update(description=description)


def blockers(user):
    today = timezone.localdate()
    upcoming = (
        Ticket.objects.filter(customer=user, status=TicketStatus.ACTIVE)
        .filter(Q(visit_date__gte=today) | Q(valid_until__gte=today))
        .select_related("park")
        .order_by("visit_date")
    )
    return [
        _(
            "You have a paid ticket to %(park)s for %(date)s: use it or ask the park to refund it, then ask again; "
            "or wait for our staff to review your request."
        )
        % {"park": ticket.park.display_name, "date": formats.date_format(ticket.visit_date, "DATE_FORMAT")}
        for ticket in upcoming
    ]


register(
    Section(key="parks", export=export, erase=erase, blockers=blockers, covers=("parks.Ticket.customer",), order=40)
)
not_personal(
    "parks.Ticket.validated_by",
    "parks.ParkVisit.validated_by",
    "parks.GateScan.staff",
    reason="the member of staff at the gate",
)
not_personal("parks.GateDevice.registered_by", reason="the member of staff who registered the gate device")
