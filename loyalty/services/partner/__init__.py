"""What partners do: find a customer by card, record and refund POS transactions, spend
points at the till, validate and redeem coupons, run cross-promo chains.

Lock order: a sale locks the points account first (its transaction row points at it),
then takes the merchant's idempotency slot (the unique constraint on the new row), then
the coupon row, then the account's lots. Refunds and voids lock an existing transaction
row, then the account; a sale never waits for an existing row, so the two cannot wait
for each other.

A sale recorded as pending locks nothing but its account; completing or cancelling it
later locks its row, then the account, as a refund does (``lifecycle``). A completed
sale moves the customer's totals and runs the fraud rules in its own transaction,
after its points (``loyalty.services.totals``, ``loyalty.services.fraud``).

Every write here takes ``test``: made with a test API key, it runs the same checks and
answers the same way, but what it writes is flagged ``is_test`` and moves no points,
coupon count or webhook (``loyalty.services.modes``).
"""

from .coupons import (
    REFUSAL_MESSAGES,
    coupon_code_clean,
    coupon_create,
    coupon_redeem,
    coupon_validate,
    merchant_has_promos,
    promos_forget,
    promos_issue,
)
from .lifecycle import pos_transaction_cancel, pos_transaction_complete
from .redeem import pos_points_redeem
from .refunds import pos_transaction_refund, pos_transaction_void
from .rules import Rules, rules_for
from .sales import _money, pos_request_hash, pos_transaction_record

__all__ = [
    "REFUSAL_MESSAGES",
    "_money",
    "Rules",
    "coupon_code_clean",
    "coupon_create",
    "coupon_redeem",
    "coupon_validate",
    "merchant_has_promos",
    "pos_points_redeem",
    "pos_request_hash",
    "pos_transaction_cancel",
    "pos_transaction_complete",
    "pos_transaction_record",
    "pos_transaction_refund",
    "pos_transaction_void",
    "promos_forget",
    "promos_issue",
    "rules_for",
]
