"""Reads of clearing and settlement."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from .errors import StatementNotFound
from .models import Coalition, Posting, SettlementPeriod, Statement
from .services.journal import money


def statement_list(*, merchant, test=False):
    """The merchant's statements, newest first; a test key's sandbox has none (they are
    live money)."""
    if test:
        return Statement.objects.none()
    return Statement.objects.filter(merchant=merchant).select_related("period").order_by("-period__starts_at")


def statement_get(*, merchant, number, test=False) -> Statement:
    """The merchant's statement ``number``; another partner's is not found."""
    statement = statement_list(merchant=merchant, test=test).filter(number=number).first()
    if statement is None:
        raise StatementNotFound()
    return statement


def statement_lines(*, statement):
    return statement.lines.order_by("occurred_at", "id")


def coalition_position(*, coalition: Coalition | None = None) -> dict | None:
    """Who owes whom: per party, the closing balance of the last closed period and the
    running position of the period in progress (entries not yet in a period, on top of
    that closing balance). Positive: the coalition owes the party."""
    coalition = coalition or Coalition.objects.filter(is_active=True).first()
    if coalition is None:
        return None
    last = SettlementPeriod.objects.filter(coalition=coalition).order_by("-starts_at").first()
    closing = {}
    names = {}
    if last is not None:
        for statement in last.statements.select_related("merchant"):
            closing[statement.merchant_id] = statement.closing_balance
            names[statement.merchant_id] = statement.party_name
    running = defaultdict(Decimal)
    rows = (
        Posting.objects.filter(entry__coalition=coalition, entry__period__isnull=True)
        .values("merchant_id", "merchant__name")
        .annotate(s=Sum("amount"))
    )
    for row in rows:
        running[row["merchant_id"]] += money(row["s"])
        if row["merchant_id"] is not None:
            names.setdefault(row["merchant_id"], row["merchant__name"])
    parties = set(closing) | set(running)
    rows = [
        {
            "merchant_id": party,
            "name": names.get(party) or "",
            "last": closing.get(party, Decimal("0.00")),
            "now": closing.get(party, Decimal("0.00")) + running.get(party, Decimal("0.00")),
        }
        for party in parties
    ]
    rows.sort(key=lambda row: row["now"])
    return {"coalition": coalition, "period": last, "rows": rows}
