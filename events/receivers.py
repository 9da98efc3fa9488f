"""How events react to the checkout. Each receiver picks out orders that sold event
registrations (by line kind) and calls one idempotent service."""

from .models import Registration
from .services import LINE_KIND, activity_reward, registrations_confirm, registrations_release


def _sells_registrations(order) -> bool:
    return order.lines.filter(kind=LINE_KIND).exists()


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


def on_activity_done(sender, customer_id, kind, reference, occurred_at, title="", **kwargs):
    """A park visit or a completed course (``skypark.core.activity``) counts in the
    member's points, streak and badges."""
    activity_reward(customer_id=customer_id, kind=kind, reference=reference, occurred_at=occurred_at, title=title)
