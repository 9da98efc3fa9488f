"""Course bookings as facts for the analytical store (``skypark.core.facts``):
``place_id`` is the course session; pending bookings do not count yet."""

from django.utils import timezone

from skypark.core.facts import changed_after, fact_source

from .models import Booking


@fact_source(name="bookings.bookings", table="activity_facts")
def bookings(after, limit):
    rows = changed_after(Booking.objects.all(), after).values_list(
        "pk",
        "updated_at",
        "customer_id",
        "session_id",
        "session__starts_at",
        "created_at",
        "places",
        "currency",
        "amount",
        "status",
    )[:limit]
    return [
        {
            "_pk": pk,
            "_changed_at": changed,
            "_deleted": status == "pending",
            "kind": "booking",
            "place_id": session,
            "day": timezone.localtime(starts).date(),
            "activity_id": f"booking:{pk}",
            "user_id": customer or 0,
            "started_at": created,
            "ended_at": None,
            "quantity": places,
            "ages": [],
            "currency": currency,
            "amount": amount,
            "status": status,
        }
        for pk, changed, customer, session, starts, created, places, currency, amount, status in rows
    ]
