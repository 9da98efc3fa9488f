from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    label = "events"
    verbose_name = _("Community events")

    def ready(self):
        from skypark.commerce import signals
        from skypark.notify import confirmations

        from . import dashboard, receivers
        from .confirmations import describe_registration
        from .models import Registration

        confirmations.register(Registration, describe_registration)

        signals.order_paid.connect(receivers.on_order_paid, dispatch_uid="events.order_paid")
        signals.order_expired.connect(receivers.on_order_expired, dispatch_uid="events.order_expired")
        signals.order_cancelled.connect(receivers.on_order_cancelled, dispatch_uid="events.order_cancelled")
        signals.order_refunded.connect(receivers.on_order_refunded, dispatch_uid="events.order_refunded")
        del dashboard
