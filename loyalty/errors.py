"""The refusals of the loyalty domain, each with a stable machine code for the API."""

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import Conflict, DomainError, Forbidden, NotFound
from skypark.core.loyalty import NotEnoughPoints

__all__ = [
    "NotEnoughPoints",
    "PointsNotAccepted",
    "InvalidPoints",
    "CustomerNotFound",
    "CouponNotFound",
    "CouponNotValid",
    "CouponExhausted",
    "CouponLimitPerCustomer",
    "TransactionConflict",
    "TransactionNotFound",
    "ImportNotFound",
    "TransactionNotRefundable",
    "RefundTooLarge",
    "ReferralNotAllowed",
    "ReasonRequired",
    "TestKeyRequired",
    "TransactionNotPending",
    "FlagAlreadyReviewed",
]


class PointsNotAccepted(DomainError):
    code = "points_not_accepted"
    default_message = _("Points cannot pay for this purchase.")


class InvalidPoints(DomainError):
    code = "invalid_points"
    default_message = _("The number of points is not valid.")


class CustomerNotFound(NotFound):
    code = "customer_not_found"
    default_message = _("No customer has this card or code.")


class CouponNotFound(NotFound):
    code = "coupon_not_found"
    default_message = _("No coupon has this code.")


class CouponNotValid(DomainError):
    """``details["reason"]`` says why: inactive, not_started, expired, other_customer,
    other_merchant, min_purchase."""

    code = "coupon_not_valid"
    default_message = _("This coupon cannot be used here.")


class CouponExhausted(Conflict):
    code = "coupon_exhausted"
    default_message = _("This coupon has been used up.")


class CouponLimitPerCustomer(Conflict):
    code = "coupon_limit_per_customer"
    default_message = _("You have already used this coupon as often as allowed.")


class TransactionConflict(Conflict):
    code = "external_id_conflict"
    default_message = _("A different transaction was already recorded with this external id.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used for a different request; send a new key for a new sale.")


class TransactionNotFound(NotFound):
    code = "transaction_not_found"


class ImportNotFound(NotFound):
    code = "import_not_found"


class TransactionNotRefundable(Conflict):
    code = "transaction_not_refundable"
    default_message = _("This transaction cannot be refunded or voided any more.")


class RefundTooLarge(DomainError):
    code = "refund_exceeds_refundable"
    default_message = _("The refund is larger than what can still be refunded.")


class ReferralNotAllowed(DomainError):
    code = "referral_not_allowed"
    default_message = _("This referral code cannot be used.")


class ReasonRequired(DomainError):
    code = "reason_required"
    default_message = _("Say why the balance is adjusted.")


class CardCodeExpired(DomainError):
    code = "card_code_expired"
    default_message = _("This card code has expired; ask the customer to refresh the card.")


class CardCodeInvalid(DomainError):
    code = "card_code_invalid"
    default_message = _("This card code is not valid.")


class StaticCodeNeedsManualEntry(DomainError):
    code = "static_code_needs_manual_entry"
    default_message = _(
        "A bare customer code is accepted only when typed by hand at the till (send entry=manual); "
        "scan the rotating code on the customer's card."
    )


class TestKeyRequired(Forbidden):
    code = "test_key_required"
    default_message = _("Only a test API key (sk_test_…) can do this.")


class TransactionNotPending(Conflict):
    """``details["status"]`` is the sale's status: only a pending sale can be completed,
    cancelled or failed (doing it again to one already in that state answers it again)."""

    code = "transaction_not_pending"
    default_message = _("This sale is no longer pending.")


class FlagAlreadyReviewed(Conflict):
    code = "fraud_flag_reviewed"
    default_message = _("This fraud flag has already been reviewed.")
