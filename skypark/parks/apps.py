from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParksConfig(AppConfig):
    name = "skypark.parks"
    label = "parks"
    verbose_name = _("Play parks")

    def ready(self):
        from skypark.commerce import signals

        from . import dashboard, receivers

        signals.order_paid.connect(receivers.on_order_paid, dispatch_uid="parks.order_paid")
        signals.order_expired.connect(receivers.on_order_expired, dispatch_uid="parks.order_expired")
        signals.order_cancelled.connect(receivers.on_order_cancelled, dispatch_uid="parks.order_cancelled")
        signals.order_refunded.connect(receivers.on_order_refunded, dispatch_uid="parks.order_refunded")
        del dashboard
