"""How parks react to the checkout. Each receiver picks out orders that sold park
tickets (by line kind) and calls one service; the services are idempotent, so a signal
delivered twice changes nothing the second time."""

from django.db import transaction

from .models import Ticket
from .selectors import park_schedule_forget
from .services import LINE_KIND, tickets_activate, tickets_refund, tickets_release, tickets_revive


def _sells_tickets(order) -> bool:
    return LINE_KIND in order.line_kinds()


def on_order_paid(sender, order, **kwargs):
    if _sells_tickets(order):
        tickets_activate(order=order)


def on_order_expired(sender, order, **kwargs):
    if _sells_tickets(order):
        tickets_release(order=order, status=Ticket.Status.EXPIRED)


def on_order_cancelled(sender, order, **kwargs):
    if _sells_tickets(order):
        tickets_release(order=order, status=Ticket.Status.CANCELLED)


def on_order_revive(sender, order, **kwargs):
    """Returns the line kinds it took back (the checkout revives only fully claimed orders)."""
    if _sells_tickets(order):
        tickets_revive(order=order)
        return {LINE_KIND}
    return set()


def on_order_refunded(sender, order, **kwargs):
    if _sells_tickets(order):
        tickets_refund(order=order)


def park_schedule_changed(sender, instance, **kwargs):
    """Opening hours or a slot were saved or deleted: the park's cached schedule is
    dropped now (for the rest of this transaction) and again after commit (a sale in
    between may have cached the schedule as it was before)."""
    park_id = instance.park_id
    park_schedule_forget(park_id)
    transaction.on_commit(lambda: park_schedule_forget(park_id))
