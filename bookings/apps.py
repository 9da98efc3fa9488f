from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    label = "bookings"
    verbose_name = _("Course bookings")

    def ready(self):
        from skypark.commerce import signals
        from skypark.commerce.items import item_kind_register
        from skypark.notify import confirmations

        from . import dashboard, jobs, purchases, receivers, webhooks
        from . import signals as bookings_signals
        from .confirmations import describe_booking
        from .models import Booking
        from .services import LINE_KIND

        confirmations.register(Booking, describe_booking)

        signals.order_paid.connect(receivers.on_order_paid, dispatch_uid="bookings.order_paid")
        signals.order_expired.connect(receivers.on_order_expired, dispatch_uid="bookings.order_expired")
        signals.order_cancelled.connect(receivers.on_order_cancelled, dispatch_uid="bookings.order_cancelled")
        signals.order_refunded.connect(receivers.on_order_refunded, dispatch_uid="bookings.order_refunded")
        bookings_signals.booking_confirmed.connect(
            webhooks.on_booking_confirmed, dispatch_uid="bookings.webhooks.confirmed"
        )
        bookings_signals.booking_cancelled.connect(
            webhooks.on_booking_cancelled, dispatch_uid="bookings.webhooks.cancelled"
        )
        bookings_signals.attendance_marked.connect(
            webhooks.on_attendance_marked, dispatch_uid="bookings.webhooks.attendance"
        )
        item_kind_register(LINE_KIND, purchases.bookings_describe)
        del dashboard, jobs
