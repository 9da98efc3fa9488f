"""The platform's orders give their offers' budgets back when they do not go through."""

from .services import offers_reverse


def on_order_released(sender, order, **kwargs):
    """Cancelled or expired before payment."""
    offers_reverse(order=order)


def on_order_refunded(sender, order, **kwargs):
    """Only a full refund undoes the offer; a partial one keeps it (the customer kept part
    of what the offer was given for)."""
    order.refresh_from_db(fields=["status"])
    if order.status == order.Status.REFUNDED:
        offers_reverse(order=order)
