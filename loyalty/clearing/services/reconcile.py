"""Proof that the statements equal the ledger: every check returns the problems it
found (empty when all is well); ``manage.py clearing_reconcile`` prints them."""

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Sum

from loyalty.models import LedgerEntry

from ..models import JournalEntry, Posting, SettlementPeriod, Statement, StatementLine
from .journal import money
from .settlement import COLUMNS


def unbalanced_entries() -> list[str]:
    rows = Posting.objects.values("entry_id", "currency").annotate(s=Sum("amount"))
    if connection.vendor == "postgresql":
        rows = rows.exclude(s=0)
    # SQLite sums decimals as floats: every amount is in cents, so cents are exact.
    return [
        f"journal entry {row['entry_id']} sums to {row['s']} {row['currency']}" for row in rows if money(row["s"]) != 0
    ]


def ledger_without_clearing() -> list[str]:
    """Coalition ledger entries written since the first journal entry that have none."""
    first = JournalEntry.objects.filter(ledger_entry__isnull=False).order_by("occurred_at").first()
    if first is None:
        return []
    missing = LedgerEntry.objects.filter(
        account__merchant__isnull=True, created_at__gte=first.occurred_at, clearing_entry__isnull=True
    ).exclude(kind=LedgerEntry.Kind.REVERSED)
    return [f"ledger entry {pk} ({kind}) has no journal entry" for pk, kind in missing.values_list("pk", "kind")]


def journal_points_mismatch() -> list[str]:
    rows = JournalEntry.objects.filter(ledger_entry__isnull=False).exclude(points=F("ledger_entry__points"))
    return [
        f"journal entry {pk} carries other points than its ledger entry" for pk in rows.values_list("pk", flat=True)
    ]


def statement_problems(statement: Statement) -> list[str]:
    problems = []
    expected = defaultdict(Decimal)
    points = defaultdict(int)
    postings = Posting.objects.filter(entry__period_id=statement.period_id, merchant_id=statement.merchant_id)
    for row in postings.values("role").annotate(s=Sum("amount"), p=Sum("points"), n=Count("pk")):
        expected[COLUMNS[row["role"]]] += money(row["s"])
        expected["net"] += money(row["s"])
        points[row["role"]] += row["p"]
    for column in [*sorted(set(COLUMNS.values())), "net"]:
        if getattr(statement, column) != expected[column]:
            problems.append(
                f"{statement}: {column} is {getattr(statement, column)}, the journal says {expected[column]}"
            )
    if statement.issued_points != points[Posting.Role.ISSUED]:
        problems.append(f"{statement}: points issued differ from the journal")
    if statement.redeemed_here_points != points[Posting.Role.REDEEMED]:
        problems.append(f"{statement}: points redeemed differ from the journal")
    lines = statement.lines.aggregate(s=Sum("amount"), n=Count("pk"))
    if money(lines["s"] or 0) != statement.net:
        problems.append(f"{statement}: its lines sum to {lines['s']}, its net is {statement.net}")
    if lines["n"] != postings.count():
        problems.append(f"{statement}: {lines['n']} lines for {postings.count()} postings")
    if statement.closing_balance != statement.opening_balance + statement.net:
        problems.append(f"{statement}: closing is not opening plus net")
    return problems


def period_problems(period: SettlementPeriod) -> list[str]:
    problems = []
    statements = list(period.statements.all())
    total = sum((s.net for s in statements), Decimal(0))
    if total != 0:
        problems.append(f"{period}: the parties' net positions sum to {total}")
    previous = SettlementPeriod.objects.filter(coalition=period.coalition, starts_at__lt=period.starts_at).first()
    if previous is not None:
        before = {s.merchant_id: s.closing_balance for s in previous.statements.all()}
        for statement in statements:
            if statement.opening_balance != before.get(statement.merchant_id, 0):
                problems.append(f"{statement}: opens with {statement.opening_balance}, not the last closing")
        missing = {p for p, balance in before.items() if balance} - {s.merchant_id for s in statements}
        problems += [f"{period}: the balance of party {p} was not carried forward" for p in missing]
    unlined = Posting.objects.filter(entry__period=period, statement_line__isnull=True).count()
    if unlined:
        problems.append(f"{period}: {unlined} postings on no statement line")
    if StatementLine.objects.filter(statement__period=period).exclude(entry__period=period).exists():
        problems.append(f"{period}: a line belongs to another period's entry")
    for statement in statements:
        problems += statement_problems(statement)
    return problems


def reconcile() -> list[str]:
    """Every problem found across the journal, the loyalty ledger and every closed
    period's statements."""
    problems = unbalanced_entries() + ledger_without_clearing() + journal_points_mismatch()
    for period in SettlementPeriod.objects.order_by("starts_at"):
        problems += period_problems(period)
    return problems
