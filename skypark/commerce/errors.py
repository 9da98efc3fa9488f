"""The refusals of the checkout. Each has a stable machine code for the API."""

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import Conflict, DomainError


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = _("This change is not allowed in the current state.")


class OrderNotPayable(Conflict):
    code = "order_not_payable"
    default_message = _("This order can no longer be paid.")


class RefundTooLarge(DomainError):
    code = "refund_exceeds_refundable"
    default_message = _("The refund is larger than what can still be refunded.")


class InvalidAmount(DomainError):
    code = "invalid_amount"
    default_message = _("The amount is not valid.")


class ProviderUnavailable(DomainError):
    code = "provider_unavailable"
    default_message = _("This payment provider is not available.")


class MethodNotSupported(DomainError):
    code = "method_not_supported"
    default_message = _("This payment method is not supported by the provider.")


class ProviderError(DomainError):
    """The provider refused or could not be reached; nothing was written."""

    code = "provider_error"
    default_message = _("The payment provider could not complete the request.")
    status_code = 502


class BadSignature(DomainError):
    code = "bad_signature"
    default_message = _("The signature is missing, wrong or too old.")


class InvalidReturnUrl(DomainError):
    code = "invalid_return_url"
    default_message = _("The return address is not on this site.")
