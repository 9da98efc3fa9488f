"""Confirmations with the ticket attached, for every domain that sells or books.

A domain registers a describer for its model (see ``registry``) and calls
``confirmation_queue(obj=…)`` when the thing is paid or confirmed; staff resend with
``confirmation_resend``. One PDF builder and one .ics builder serve all of them."""

from .documents import calendar_ics, confirmation_attachments, ticket_pdf
from .registry import CalendarEntry, NothingToConfirm, TicketDescription, register, registered_labels
from .services import confirmation_effect, confirmation_queue, confirmation_resend, confirmation_send

__all__ = [
    "CalendarEntry",
    "NothingToConfirm",
    "TicketDescription",
    "calendar_ics",
    "confirmation_attachments",
    "confirmation_effect",
    "confirmation_queue",
    "confirmation_resend",
    "confirmation_send",
    "register",
    "registered_labels",
    "ticket_pdf",
]
