"""The refusals of clearing and settlement, each with a stable machine code for the API."""

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import Conflict, DomainError, NotFound


class UnbalancedEntry(DomainError):
    code = "unbalanced_entry"
    default_message = _("A journal entry must balance in each currency.")


class FundingMismatch(DomainError):
    code = "funding_mismatch"
    default_message = _("The funding shares must add up to the discount.")


class StatementNotFound(NotFound):
    code = "statement_not_found"
    default_message = _("No such statement.")


class StatementNotApproved(Conflict):
    code = "statement_not_approved"
    default_message = _("Approve the statement before recording a payment.")


class PaymentTooLarge(DomainError):
    code = "payment_too_large"
    default_message = _("The payment is more than is outstanding on the statement.")


class PaymentNotAllowed(DomainError):
    code = "payment_not_allowed"
    default_message = _("Payments are recorded on partners' statements.")
