from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    label = "events"
    verbose_name = _("Community events")

    def ready(self):
        from skypark.commerce import signals
        from skypark.commerce.items import item_kind_register
        from skypark.core.activity import activity_done
        from skypark.notify import confirmations

        from . import dashboard, purchases, receivers, webhooks
        from . import signals as events_signals
        from .confirmations import describe_registration
        from .models import Registration
        from .services import LINE_KIND

        confirmations.register(Registration, describe_registration)

        signals.order_paid.connect(receivers.on_order_paid, dispatch_uid="events.order_paid")
        signals.order_expired.connect(receivers.on_order_expired, dispatch_uid="events.order_expired")
        signals.order_cancelled.connect(receivers.on_order_cancelled, dispatch_uid="events.order_cancelled")
        signals.order_refunded.connect(receivers.on_order_refunded, dispatch_uid="events.order_refunded")
        events_signals.registration_confirmed.connect(
            webhooks.on_registration_confirmed, dispatch_uid="events.webhooks.confirmed"
        )
        events_signals.registration_cancelled.connect(
            webhooks.on_registration_cancelled, dispatch_uid="events.webhooks.cancelled"
        )
        events_signals.registration_attended.connect(
            webhooks.on_registration_attended, dispatch_uid="events.webhooks.attended"
        )
        activity_done.connect(receivers.on_activity_done, dispatch_uid="events.activity_done")
        item_kind_register(LINE_KIND, purchases.registrations_describe)
        del dashboard
