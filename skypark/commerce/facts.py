"""Commerce's facts for the analytical store (``skypark.core.facts``): the platform's own
sales (park tickets, event registrations, course bookings), one fact per paid order. An
order that was never paid (pending, expired, cancelled) is written as deleted, so an
order that expires after it was synced stops counting."""

from decimal import Decimal

from django.db.models import OuterRef, Subquery

from skypark.core.facts import changed_after, fact_source

from .models import Order, OrderLine

CATEGORY = {"parks": "park", "events": "event", "bookings": "course"}


@fact_source(name="commerce.orders", table="transaction_facts")
def orders(after, limit):
    first_app = OrderLine.objects.filter(order=OuterRef("pk")).order_by("pk").values("content_type__app_label")[:1]
    rows = (
        changed_after(Order.objects.all(), after)
        .annotate(app=Subquery(first_app))
        .values_list(
            "pk",
            "updated_at",
            "customer_id",
            "created_at",
            "paid_at",
            "currency",
            "total",
            "refunded_total",
            "status",
            "app",
        )[:limit]
    )
    return [
        {
            "_pk": pk,
            "_changed_at": changed,
            "_deleted": status not in Order.PAID_STATUSES,
            "user_id": customer or 0,
            "occurred_at": created,  # the sort key: it never changes when the order is paid
            "transaction_id": f"order:{pk}",
            "source": "platform",
            "merchant_id": 0,
            "category": CATEGORY.get(app, "other"),
            "currency": currency,
            "amount": total,
            "refunded": refunded,
            "bonus_accrued": Decimal("0"),
            "status": status,
        }
        for pk, changed, customer, created, _paid, currency, total, refunded, status, app in rows
    ]
