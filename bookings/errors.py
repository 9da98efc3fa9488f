"""The refusals of the bookings domain, each with a stable machine code for the API."""

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import Conflict, DomainError


class SessionFull(Conflict):
    code = "session_full"
    default_message = _("There are not enough places left on this session.")


class SessionNotBookable(DomainError):
    """``details["reason"]``: not_published, started, cancelled, inactive_course."""

    code = "session_not_bookable"
    default_message = _("This session cannot be booked.")


class ScheduleClash(Conflict):
    """``details["clash"]`` is ``venue`` or ``instructor``; ``details["session"]`` the other one."""

    code = "schedule_clash"
    default_message = _("This time overlaps another session.")


class InvalidSession(DomainError):
    code = "invalid_session"
    default_message = _("The session is not valid.")


class InvalidAttendees(DomainError):
    code = "invalid_attendees"
    default_message = _("Give each attendee a name and a valid e-mail.")


class DiscountRefused(DomainError):
    """``details["reason"]`` is one of ``REASONS``."""

    code = "discount_refused"
    default_message = _("This discount code cannot be used.")

    REASONS = {
        "unknown": _("There is no such discount code."),
        "inactive": _("This discount code is no longer active."),
        "expired": _("This discount code has expired."),
        "not_yet_valid": _("This discount code is not valid yet."),
        "limit_reached": _("This discount code has been used up."),
        "wrong_course_type": _("This discount code is not valid for this course."),
        "below_minimum": _("The booking is below this code's minimum purchase."),
    }

    def __init__(self, reason, **details):
        super().__init__(self.REASONS[reason], details={"reason": reason, **details})
        self.reason = reason


class BookingNotCancellable(Conflict):
    code = "booking_not_cancellable"
    default_message = _("This booking can no longer be cancelled.")


class AttendanceNotOpen(DomainError):
    code = "attendance_not_open"
    default_message = _("Attendance can be marked once the session has started.")


class SessionNotCompleted(Conflict):
    code = "session_not_completed"
    default_message = _("Certificates can only be issued after the session is completed.")


class NotCertifiable(Conflict):
    code = "not_certifiable"
    default_message = _("Only an attendee who was present gets a certificate.")


class WaitlistNotAvailable(Conflict):
    """No waiting list for this: the group fits (book instead), or there is no live
    offer to take."""

    code = "waitlist_not_available"
    default_message = _("There is no waiting-list place or offer for this; book the places if they are free.")


class InvalidCompanyDetails(DomainError):
    code = "invalid_company_details"
    default_message = _("The company details are not valid.")


class InvoiceNotAvailable(DomainError):
    code = "invoice_not_available"
    default_message = _("This session starts too soon to pay by invoice; pay by card instead.")


class InvoiceNotPayable(Conflict):
    code = "invoice_not_payable"
    default_message = _("This invoice is not awaiting payment.")
