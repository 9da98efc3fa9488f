from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParksConfig(AppConfig):
    name = "skypark.parks"
    label = "parks"
    verbose_name = _("Play parks")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from skypark.commerce import signals
        from skypark.commerce.items import item_kind_register
        from skypark.notify import confirmations

        from . import dashboard, purchases, receivers
        from .confirmations import describe_ticket
        from .models import OpeningHours, Ticket, TimeSlot
        from .services import LINE_KIND

        confirmations.register(Ticket, describe_ticket, related=("customer", "park", "order"))

        signals.order_paid.connect(receivers.on_order_paid, dispatch_uid="parks.order_paid")
        signals.order_expired.connect(receivers.on_order_expired, dispatch_uid="parks.order_expired")
        signals.order_cancelled.connect(receivers.on_order_cancelled, dispatch_uid="parks.order_cancelled")
        signals.order_refunded.connect(receivers.on_order_refunded, dispatch_uid="parks.order_refunded")
        signals.order_revive.connect(receivers.on_order_revive, dispatch_uid="parks.order_revive")
        for model in (OpeningHours, TimeSlot):
            for signal in (post_save, post_delete):
                signal.connect(
                    receivers.park_schedule_changed, sender=model, dispatch_uid=f"parks.schedule.{model.__name__}"
                )
        item_kind_register(LINE_KIND, purchases.tickets_describe)
        del dashboard
