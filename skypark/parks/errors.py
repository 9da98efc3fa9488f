"""The refusals of the parks domain, each with a stable machine code for the API."""

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import Conflict, DomainError


class SoldOut(Conflict):
    code = "sold_out"
    default_message = _("There are not enough places left for this date and time.")


class NotBookable(DomainError):
    """The park, date or slot cannot be booked; ``details["reason"]`` says why."""

    code = "not_bookable"
    default_message = _("This date cannot be booked.")


class InvalidVisitors(DomainError):
    code = "invalid_visitors"
    default_message = _("Choose at least one child or guest.")


class NotEnoughPoints(DomainError):
    code = "not_enough_points"
    default_message = _("You do not have that many loyalty points.")


class TicketNotCancellable(Conflict):
    code = "ticket_not_cancellable"
    default_message = _("Only an unpaid order can be cancelled.")
