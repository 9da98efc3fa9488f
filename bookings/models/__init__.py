"""First-aid course bookings: course types, courses, venues, scheduled sessions,
bookings with their attendees, discount codes and certificates.

Capacity lives on ``CourseSession.places_taken`` (never above ``capacity``, which is never
above the venue's); it only changes in ``bookings.services`` under the session's row lock.
On PostgreSQL two exclusion constraints (migration 0002) also refuse overlapping sessions
at one venue and an instructor booked twice at once; everywhere the services check the
same thing first so a user gets a message, not an IntegrityError.

Instructors are staff users in the Django group ``Instructors`` (created by migration
0001, see ``INSTRUCTORS_GROUP``).

The models live in modules by subject (``courses``, ``venues``, ``sessions``,
``discounts``, ``bookings``, ``certificates``, ``waitlist``); import them from here.
"""

# Company invoices live in their own module; importing them here registers the model.
from ..company import CompanyInvoice, InvoiceStatus
from .bookings import Attendee, AttendeeDay, Booking, BookingStatus, PaymentState, new_booking_reference
from .certificates import Certificate, new_certificate_number
from .courses import ZERO, Course, CourseType, money_field
from .discounts import DiscountCode
from .sessions import INSTRUCTORS_GROUP, CourseSession, SessionDay, SessionStatus
from .venues import (
    COUNTRY_ZONES,
    DEFAULT_VENUE_ZONE,
    KG_POSTCODE_RE,
    POSTCODE_RE,
    Venue,
    kg_postcode_normalise,
    postcode_normalise,
    zone_get,
    zone_names,
)
from .waitlist import WaitlistEntry, WaitlistStatus

__all__ = [
    "COUNTRY_ZONES",
    "DEFAULT_VENUE_ZONE",
    "INSTRUCTORS_GROUP",
    "KG_POSTCODE_RE",
    "POSTCODE_RE",
    "ZERO",
    "Attendee",
    "AttendeeDay",
    "Booking",
    "BookingStatus",
    "Certificate",
    "CompanyInvoice",
    "Course",
    "CourseSession",
    "CourseType",
    "DiscountCode",
    "InvoiceStatus",
    "PaymentState",
    "SessionDay",
    "SessionStatus",
    "Venue",
    "WaitlistEntry",
    "WaitlistStatus",
    "kg_postcode_normalise",
    "money_field",
    "new_booking_reference",
    "new_certificate_number",
    "postcode_normalise",
    "zone_get",
    "zone_names",
]
