"""The refusals of the events domain, each with a stable machine code for the API."""

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import Conflict, DomainError


class NotRegistrable(DomainError):
    """The event does not take registrations; ``details["reason"]`` says why."""

    code = "not_registrable"
    default_message = _("This event does not take registrations.")


class AlreadyRegistered(Conflict):
    code = "already_registered"
    default_message = _("You are already registered for this event.")


class CancellationClosed(Conflict):
    code = "cancellation_closed"
    default_message = _("It is too late to cancel this registration.")


class NotCancellable(Conflict):
    code = "registration_not_cancellable"
    default_message = _("This registration cannot be cancelled.")


class OfferNotAvailable(Conflict):
    code = "offer_not_available"
    default_message = _("There is no place on offer for you, or the offer has expired.")


class EventNotCancellable(Conflict):
    code = "event_not_cancellable"
    default_message = _("Only a draft or published event can be cancelled.")


class InvalidAward(DomainError):
    code = "invalid_award"
    default_message = _("Give a number of points or a badge, and a reason.")


class NotCheckedIn(Conflict):
    code = "not_checked_in"
    default_message = _("This member has not been checked in.")


class InvalidAttendees(DomainError):
    """The group's attendees are not valid; ``details["field"]`` names the input."""

    code = "invalid_attendees"
    default_message = _("Name every person of the group once: your children or adults by name.")


class AttendeeNotCancellable(Conflict):
    code = "attendee_not_cancellable"
    default_message = _("This person cannot be cancelled on their own.")
