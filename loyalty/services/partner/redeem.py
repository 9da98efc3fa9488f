"""Spending points at a till outside a recorded sale."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...errors import (
    InvalidPoints,
)
from ...models import (
    LedgerEntry,
)
from .. import modes
from ..fraud import fraud_check_redeem
from ..ledger import (
    _debit,
    account_lock,
)
from .rules import rules_for
from .sales import _money

Kind = LedgerEntry.Kind
CENT = Decimal("0.01")


def pos_points_redeem(*, merchant, customer, points: int, reference: str, amount=None, actor=None, test=False):
    """Spends points at a partner's till outside a recorded transaction (e.g. a gift).
    Returns ``(entry, value)``. Idempotent per ``reference``. Locks the account, then
    its lots; refuses with ``NotEnoughPoints`` and writes nothing. ``test``: the same
    checks, and an unsaved entry of what would be spent; nothing is written."""
    if points <= 0:
        raise InvalidPoints(details={"field": "points"})
    if test:
        rules = modes.rules_read(customer=customer, merchant=merchant, day=timezone.localdate())
    else:
        rules = rules_for(customer=customer, merchant=merchant)
    if points < rules.min_redeem_points:
        raise InvalidPoints(details={"field": "points", "min": rules.min_redeem_points})
    if test:
        balance = modes.points_check(rules.account, points)
        entry = LedgerEntry(kind=Kind.REDEEMED, points=-points, balance_after=balance - points, merchant=merchant)
        return entry, rules.value_of(points)
    with transaction.atomic():
        account = account_lock(rules.account)
        entry = _debit(
            account,
            kind=Kind.REDEEMED,
            points=points,
            source="pos_redeem",
            reference=f"{merchant.pk}:{reference}",
            description=_("Spent at %(m)s") % {"m": merchant.name},
            merchant=merchant,
            amount=_money(amount or 0),
            actor=actor or f"merchant:{merchant.code}",
        )
        fraud_check_redeem(customer_id=customer.pk, merchant_id=merchant.pk)
    return entry, rules.value_of(-entry.points)
