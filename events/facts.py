"""Event attendance as facts for the analytical store (``skypark.core.facts``): one fact
per registration that was confirmed or attended; ``place_id`` is the event."""

from decimal import Decimal

from django.utils import timezone

from skypark.core.facts import changed_after, fact_source

from .models import Registration

COUNTED = {"confirmed", "attended", "no_show"}


@fact_source(name="events.attendance", table="activity_facts")
def attendance(after, limit):
    rows = changed_after(Registration.objects.all(), after).values_list(
        "pk",
        "updated_at",
        "customer_id",
        "event_id",
        "event__starts_at",
        "created_at",
        "checked_in_at",
        "checked_out_at",
        "event__currency",
        "event__price",
        "status",
    )[:limit]
    return [
        {
            "_pk": pk,
            "_changed_at": changed,
            "_deleted": status not in COUNTED,
            "kind": "attendance",
            "place_id": event,
            "day": timezone.localtime(starts).date(),
            "activity_id": f"registration:{pk}",
            "user_id": customer or 0,
            "started_at": checked_in or created,
            "ended_at": checked_out,
            "quantity": 1,
            "ages": [],
            "currency": currency,
            "amount": price or Decimal("0"),
            "status": status,
        }
        for pk, changed, customer, event, starts, created, checked_in, checked_out, currency, price, status in rows
    ]
