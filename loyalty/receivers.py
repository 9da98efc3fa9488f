"""How loyalty reacts to the checkout: every paid order of the platform earns coalition
points, refunds take them back, and points spent on an order that was never paid come
back. Each receiver calls one idempotent service, so a signal delivered twice changes
nothing the second time."""

from . import services


def on_order_paid(sender, order, **kwargs):
    services.points_earn_for_order(order=order)


def on_order_refunded(sender, order, **kwargs):
    order.refresh_from_db()
    services.points_reverse_for_order_refund(order=order)


def on_order_released(sender, order, **kwargs):
    services.points_release_for_order(order=order)


def on_order_revive(sender, order, **kwargs):
    # Points are no place to hold: they are spent again, and no line kind is claimed.
    services.points_respend_for_revived_order(order=order)
    return set()


def on_phone_verified(sender, user, **kwargs):
    services.referrals_reward_verified(user=user)
