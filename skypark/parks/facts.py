"""The parks' facts for the analytical store (``skypark.core.facts``): ticket sales (with
the children's ages on the visit day) and park visits (entry and exit, for occupancy by
hour). ``place_id`` is the park."""

from decimal import Decimal

from skypark.core.facts import changed_after, fact_source, place_namer

from .models import Park, ParkVisit, Ticket


def _ages(children):
    ages = []
    for child in children or []:
        try:
            ages.append(max(0, min(255, int(child.get("age")))))
        except (TypeError, ValueError, AttributeError):
            continue
    return ages


def _visitor_ages(values):
    ages = []
    for value in values or []:
        try:
            ages.append(max(0, min(255, int(value.get("age") if isinstance(value, dict) else value))))
        except (TypeError, ValueError):
            continue
    return ages


@fact_source(name="parks.tickets", table="activity_facts")
def tickets(after, limit):
    rows = changed_after(Ticket.objects.all(), after).values_list(
        "pk",
        "updated_at",
        "customer_id",
        "park_id",
        "order__currency",
        "visit_date",
        "created_at",
        "children_data",
        "price",
        "discount_amount",
        "status",
    )[:limit]
    return [
        {
            "_pk": pk,
            "_changed_at": changed,
            "_deleted": status == "pending_payment",
            "kind": "ticket",
            "place_id": park,
            "day": day,
            "activity_id": f"ticket:{pk}",
            "user_id": customer,
            "started_at": created,
            "ended_at": None,
            "quantity": len(children or []) or 1,
            "ages": _ages(children),
            "currency": currency or "KGS",  # parks are priced in KGS
            "amount": (price or Decimal("0")) - (discount or Decimal("0")),
            "status": status,
        }
        for pk, changed, customer, park, currency, day, created, children, price, discount, status in rows
    ]


@fact_source(name="parks.visits", table="activity_facts")
def visits(after, limit):
    rows = changed_after(ParkVisit.objects.all(), after).values_list(
        "pk",
        "updated_at",
        "ticket__customer_id",
        "park_id",
        "ticket__order__currency",
        "visit_date",
        "entry_time",
        "exit_time",
        "visitor_count",
        "visitor_ages",
        "status",
    )[:limit]
    return [
        {
            "_pk": pk,
            "_changed_at": changed,
            "kind": "visit",
            "place_id": park,
            "day": day,
            "activity_id": f"visit:{pk}",
            "user_id": customer or 0,
            "started_at": entry,
            "ended_at": exit_,
            "quantity": count,
            "ages": _visitor_ages(ages),
            "currency": currency or "",
            "amount": Decimal("0"),
            "status": status,
        }
        for pk, changed, customer, park, currency, day, entry, exit_, count, ages, status in rows
    ]


@place_namer("park")
def park_names():
    return {park.pk: park.name for park in Park.objects.all()}
