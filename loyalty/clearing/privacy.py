"""Clearing holds no customer's personal data: journal rows point to ledger entries and
coupon redemptions (covered by loyalty's section), never to a customer."""

from skypark.privacy.registry import not_personal

not_personal(
    "clearing.Statement.approved_by",
    "clearing.StatementPayment.recorded_by",
    reason="the member of staff who acted",
)
