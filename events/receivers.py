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


def on_activity_done(sender, customer_id, kind, reference, occurred_at, title="", **kwargs):
    """A park visit or a completed course (``skypark.core.activity``) counts in the
    member's points, streak and badges, in a task: the gate or the instructor does not
    wait for the leaderboards. (The signal is sent after commit, so the task is too.)"""
    from .tasks import events_activity_reward

    events_activity_reward.delay(customer_id, kind, reference, occurred_at.isoformat(), title)
