"""What the events domain tells the rest of the platform, sent inside the transaction of
the change (so a receiver that writes, e.g. a webhook delivery row, commits or rolls back
with it). The events' own ``webhooks`` module listens; services never call it.

- ``registration_confirmed(sender=Registration, registration, now)``
- ``registration_cancelled(sender=Registration, registration, now, by_organiser=bool)``
- ``registration_attended(sender=Registration, registration, now)`` — checked in
"""

from django.dispatch import Signal

registration_confirmed = Signal()
registration_cancelled = Signal()
registration_attended = Signal()
