"""Writes of the course-bookings domain: scheduling, booking, discount codes, reacting to
the checkout, cancelling and refunding, attendance, certificates and the sweeps.

Lock order, everywhere: booking rows, then the session row, then the discount-code row.
``CourseSession.places_taken`` and ``DiscountCode.times_used`` only change while their
row is locked, and the UPDATEs re-check the bound in their WHERE clause as well, so two
buyers can never both take the last place or the last use of a code.

Money goes through ``skypark.commerce``: a booking creates one order (line kind
``bookings.booking``); it becomes confirmed when the checkout says the order is paid,
and refunds are ``order_refund`` calls. E-mails go through ``skypark.notify`` with dedupe
keys, so a sweep run twice sends each message once.

The functions live in modules by use case (``scheduling``, ``booking``, ``discounts``,
``cancelling``, ``partial``, ``certificates``, ``sweeps``, ``waitlist``); import them from here."""

from ._common import LINE_KIND
from .booking import Price, booking_create, bookings_confirm, bookings_refund_sync, bookings_release, price_quote
from .cancelling import RefundDue, booking_cancel, booking_refund, refund_due
from .certificates import attendance_mark, certificate_issue, certificates_issue
from .discounts import discount_check, discount_normalise
from .invoices import (
    company_booking_create,
    invoice_mark_paid,
    invoice_release,
    invoice_remind,
    invoices_release_overdue,
    invoices_remind,
)
from .partial import booking_attendee_cancel
from .scheduling import (
    instructors,
    session_bookings_cancel,
    session_cancel,
    session_cancel_begin,
    session_cancel_start,
    session_clash,
    session_complete,
    session_create,
    session_publish,
    session_update,
    session_validate,
)
from .sweeps import (
    SCHEDULES,
    booking_remind,
    bookings_expire_unpaid,
    bookings_mark_no_show,
    bookings_remind,
    certificate_expiry_notify,
    certificates_expiry_notify,
    schedules_install,
)
from .waitlist import (
    waitlist_join,
    waitlist_leave,
    waitlist_offer_accept,
    waitlist_offers_expire,
    waitlist_position,
    waitlist_promote,
)

__all__ = [
    "company_booking_create",
    "invoice_mark_paid",
    "invoice_release",
    "invoice_remind",
    "invoices_release_overdue",
    "invoices_remind",
    "LINE_KIND",
    "Price",
    "RefundDue",
    "SCHEDULES",
    "attendance_mark",
    "booking_attendee_cancel",
    "booking_cancel",
    "booking_create",
    "booking_refund",
    "booking_remind",
    "bookings_confirm",
    "bookings_expire_unpaid",
    "bookings_mark_no_show",
    "bookings_refund_sync",
    "bookings_release",
    "bookings_remind",
    "certificate_expiry_notify",
    "certificate_issue",
    "certificates_expiry_notify",
    "certificates_issue",
    "discount_check",
    "discount_normalise",
    "instructors",
    "price_quote",
    "refund_due",
    "schedules_install",
    "session_bookings_cancel",
    "session_cancel",
    "session_cancel_begin",
    "session_cancel_start",
    "session_clash",
    "session_complete",
    "session_create",
    "session_publish",
    "session_update",
    "session_validate",
    "waitlist_join",
    "waitlist_leave",
    "waitlist_offer_accept",
    "waitlist_offers_expire",
    "waitlist_position",
    "waitlist_promote",
]
