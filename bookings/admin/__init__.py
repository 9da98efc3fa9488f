"""Back-office for course bookings: catalogue, venues, the schedule (list and week
calendar per venue), rosters, bookings with their payments, discount codes with usage,
certificates and the revenue report.

Sessions, bookings and certificates change only through ``bookings.services`` (which
write the audit log); everything else is edited here with ``AuditedAdminMixin``, so every
admin change is in the core audit log (the seed's ``admin_activity_logs``).

The admins live in modules by subject (``catalogue``, ``sessions``, ``bookings``,
``discounts``, ``certificates``, ``waitlist``, ``invoices``, with the bulk ``actions``);
importing this package registers them all.
"""

from . import bookings, catalogue, certificates, discounts, invoices, sessions, waitlist  # noqa: F401
