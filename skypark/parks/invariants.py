"""Parks' invariants: no date and slot holds more visitors than its capacity."""

from collections import Counter

from django.db.models import F, Sum

from .models import SlotCapacity, Ticket, TicketStatus

# Statuses whose visitors keep their places (a cancelled, refunded or expired-unpaid
# ticket gives them back).
HOLDING = (TicketStatus.PENDING_PAYMENT, TicketStatus.ACTIVE, TicketStatus.USED, TicketStatus.PARTIALLY_REFUNDED)


def problems() -> list[str]:
    found = [
        f"{row}: sold above capacity"
        for row in SlotCapacity.objects.filter(sold__gt=F("capacity")).select_related("park")
    ]
    holding = Counter()
    tickets = Ticket.objects.filter(status__in=HOLDING, ticket_type=Ticket.Type.SINGLE)
    for park_id, day, slot, children in tickets.values_list(
        "park_id", "visit_date", "slot", "children_data"
    ).iterator():
        holding[(park_id, day, slot)] += len(children or [])
    capacities = {
        (row.park_id, row.date, row.slot): row.capacity
        for row in SlotCapacity.objects.filter(park_id__in={key[0] for key in holding}).only(
            "park_id", "date", "slot", "capacity"
        )
    }
    for key, visitors in holding.items():
        capacity = capacities.get(key)
        if capacity is None:
            found.append(f"park {key[0]} {key[1]} {key[2] or '-'}: {visitors} visitors on tickets, no capacity row")
        elif visitors > capacity:
            found.append(f"park {key[0]} {key[1]} {key[2] or '-'}: {visitors} visitors on tickets, capacity {capacity}")
    return found


def facts() -> dict:
    return {
        "tickets": Ticket.objects.count(),
        "places_sold": SlotCapacity.objects.aggregate(s=Sum("sold"))["s"] or 0,
    }
