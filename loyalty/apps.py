from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty network")

    def ready(self):
        from skypark.commerce import signals
        from skypark.core import loyalty

        from . import dashboard, receivers
        from .services import LoyaltyProvider

        loyalty.set_provider(LoyaltyProvider())
        signals.order_paid.connect(receivers.on_order_paid, dispatch_uid="loyalty.order_paid")
        signals.order_refunded.connect(receivers.on_order_refunded, dispatch_uid="loyalty.order_refunded")
        signals.order_expired.connect(receivers.on_order_released, dispatch_uid="loyalty.order_expired")
        signals.order_cancelled.connect(receivers.on_order_released, dispatch_uid="loyalty.order_cancelled")
        del dashboard
