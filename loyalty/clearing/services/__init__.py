"""Writes of clearing and settlement; import them from here."""

from .journal import Leg, entry_post, money
from .posting import (
    clearing_post_coupon,
    clearing_post_ledger_entry,
    post_offer_funding,
    reverse_offer_funding,
)
from .reconcile import reconcile
from .rules import rule_book, rules_forget
from .schedules import schedules_install
from .settlement import (
    period_close_next,
    periods_close_due,
    statement_approve,
    statement_payment_record,
    statements_build,
)

__all__ = [
    "Leg",
    "clearing_post_coupon",
    "clearing_post_ledger_entry",
    "entry_post",
    "money",
    "period_close_next",
    "periods_close_due",
    "post_offer_funding",
    "reconcile",
    "reverse_offer_funding",
    "rule_book",
    "rules_forget",
    "schedules_install",
    "statement_approve",
    "statement_payment_record",
    "statements_build",
]
