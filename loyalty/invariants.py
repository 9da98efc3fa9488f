"""Loyalty's invariants: every balance equals its ledger and its lots (``loyalty_verify``)."""

from django.db.models import Sum

from .models import Account, LedgerEntry
from .services import ledger_mismatches


def problems() -> list[str]:
    return [
        f"account {account_id}: balance {balance}, ledger {ledger_sum}, lots remaining {lots_sum}"
        for account_id, balance, ledger_sum, lots_sum in ledger_mismatches()
    ]


def facts() -> dict:
    return {
        "accounts": Account.objects.count(),
        "ledger_entries": LedgerEntry.objects.count(),
        "points_outstanding": Account.objects.aggregate(s=Sum("balance"))["s"] or 0,
    }
