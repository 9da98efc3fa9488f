"""What the bookings domain tells the rest of the platform, sent inside the transaction
of the change (a receiver's writes, e.g. a webhook delivery row, commit or roll back with
it). The bookings' own ``webhooks`` module listens; services never call it.

- ``booking_confirmed(sender=Booking, booking, now)``
- ``booking_cancelled(sender=Booking, booking, now, reason)``
- ``attendance_marked(sender=Attendee, attendee, booking, now)``
"""

from django.dispatch import Signal

booking_confirmed = Signal()
booking_cancelled = Signal()
attendance_marked = Signal()
