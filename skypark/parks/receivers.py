"""How parks react to the checkout. Each receiver picks out orders that sold park
tickets (by line kind) and calls one service; the services are idempotent, so a signal
delivered twice changes nothing the second time."""

from .models import Ticket
from .services import LINE_KIND, tickets_activate, tickets_refund, tickets_release


def _sells_tickets(order) -> bool:
    return order.lines.filter(kind=LINE_KIND).exists()


def on_order_paid(sender, order, **kwargs):
    if _sells_tickets(order):
        tickets_activate(order=order)


def on_order_expired(sender, order, **kwargs):
    if _sells_tickets(order):
        tickets_release(order=order, status=Ticket.Status.EXPIRED)


def on_order_cancelled(sender, order, **kwargs):
    if _sells_tickets(order):
        tickets_release(order=order, status=Ticket.Status.CANCELLED)


def on_order_refunded(sender, order, **kwargs):
    if _sells_tickets(order):
        tickets_refund(order=order)
