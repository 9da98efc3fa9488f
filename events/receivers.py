"""How events react to the checkout. Each receiver picks out orders that sold event
registrations (by line kind) and calls one idempotent service."""

from .models import Registration
from .services import LINE_KIND, registrations_confirm, registrations_release


def _sells_registrations(order) -> bool:
    return LINE_KIND in order.line_kinds()


def on_order_paid(sender, order, **kwargs):
    if _sells_registrations(order):
        registrations_confirm(order=order)


def on_order_expired(sender, order, **kwargs):
    if _sells_registrations(order):
        registrations_release(order=order, status=Registration.Status.EXPIRED)


def on_order_cancelled(sender, order, **kwargs):
    if _sells_registrations(order):
        registrations_release(order=order, status=Registration.Status.CANCELLED)


def on_order_refunded(sender, order, **kwargs):
    if _sells_registrations(order):
        registrations_release(order=order, status=Registration.Status.CANCELLED, only_refunded=True)
