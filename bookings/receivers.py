"""How bookings react to the checkout. Each receiver picks out orders that sold course
places (by line kind) and calls one idempotent service, so a signal delivered twice
changes nothing the second time."""

from django.utils.translation import gettext as _

from . import services


def _sells_places(order) -> bool:
    return services.LINE_KIND in order.line_kinds()


def on_order_paid(sender, order, **kwargs):
    if _sells_places(order):
        services.bookings_confirm(order=order)


def on_order_expired(sender, order, **kwargs):
    if _sells_places(order):
        services.bookings_release(order=order, reason=_("Not paid in time."))


def on_order_cancelled(sender, order, **kwargs):
    if _sells_places(order):
        services.bookings_release(order=order, reason=_("The order was cancelled."))


def on_order_refunded(sender, order, **kwargs):
    if _sells_places(order):
        services.bookings_refund_sync(order=order)
