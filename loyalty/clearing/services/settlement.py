"""Settlement periods, statements, approval and payments.

A period is created and closed in one step, once its end has passed
(``periods_close_due``, the Celery beat job): under the coalition row's lock it takes
every journal entry not yet in a period that happened before its end. An entry committed
after its period closed (it was written while the close ran) or a reversal of an entry
of a closed period lands in the next period, flagged ``is_adjustment``; a closed period
is never rewritten. Each party with postings or a balance brought forward gets one
statement, its lines one per posting. Payments are journal entries of their own, so what
is paid shows in the next period and what is not carries forward in the balance.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from loyalty.models import LedgerEntry, LotUse
from skypark.accounts.models import Merchant
from skypark.audit.services import audit_log

from .. import webhooks
from ..errors import PaymentNotAllowed, PaymentTooLarge, StatementNotApproved
from ..models import Coalition, JournalEntry, Posting, SettlementPeriod, Statement, StatementLine, StatementPayment
from .journal import Leg, entry_post, money

ZERO = Decimal("0.00")
Role = Posting.Role

# Which statement column each role of a posting adds to.
COLUMNS = {
    Role.ISSUED: "issued_amount",
    Role.FEE: "fees",
    Role.LIABILITY: "other",
    Role.SPREAD: "other",
    Role.REDEEMED: "redeemed_here_amount",
    Role.BREAKAGE: "breakage",
    Role.FUNDED: "coupons_funded",
    Role.RECEIVED: "coupons_received",
    Role.PAYMENT: "payments",
}
AMOUNT_COLUMNS = sorted(set(COLUMNS.values()))


def period_bounds(coalition: Coalition, start: datetime.datetime) -> datetime.datetime:
    """The end of the period starting at ``start``: a week or a calendar month later, at
    local midnight."""
    local = timezone.localtime(start)
    step = relativedelta(weeks=1) if coalition.period == Coalition.Period.WEEKLY else relativedelta(months=1)
    naive = datetime.datetime.combine(local.date() + step, datetime.time())
    return timezone.make_aware(naive)


def _first_start(coalition: Coalition) -> datetime.datetime:
    day = coalition.starts_on
    if coalition.period == Coalition.Period.WEEKLY:
        day -= datetime.timedelta(days=day.weekday())
    else:
        day = day.replace(day=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def periods_close_due(*, now=None) -> list[SettlementPeriod]:
    """Closes every period of every active coalition whose end has passed, oldest
    first, one transaction each. Safe to run twice or to kill mid-way: a closed period
    exists, and the next run starts after it."""
    now = now or timezone.now()
    closed = []
    for coalition_id in Coalition.objects.filter(is_active=True).values_list("pk", flat=True):
        while (period := period_close_next(coalition_id=coalition_id, now=now)) is not None:
            closed.append(period)
    return closed


@transaction.atomic
def period_close_next(*, coalition_id, now) -> SettlementPeriod | None:
    """Closes the coalition's next period if it has ended by ``now``. Locks the
    coalition row (one closer at a time), then assigns the entries with one UPDATE."""
    coalition = Coalition.objects.select_for_update().get(pk=coalition_id)
    last = coalition.periods.order_by("-starts_at").first()
    start = last.ends_at if last else _first_start(coalition)
    end = period_bounds(coalition, start)
    if end > now:
        return None
    period = SettlementPeriod.objects.create(coalition=coalition, starts_at=start, ends_at=end)
    count = JournalEntry.objects.filter(coalition=coalition, period__isnull=True, occurred_at__lt=end).update(
        period=period
    )
    JournalEntry.objects.filter(period=period).filter(
        Q(occurred_at__lt=start) | (Q(reverses__isnull=False) & ~Q(reverses__period=period))
    ).update(is_adjustment=True)
    SettlementPeriod.objects.filter(pk=period.pk).update(entries_count=count)
    period.entries_count = count
    statements = statements_build(period=period)
    for statement in statements:
        if statement.merchant_id:
            webhooks.settlement_closed(statement=statement)
    audit_log(
        actor="system",
        action="clearing.period.closed",
        obj=period,
        data={"entries": count, "statements": len(statements)},
    )
    return period


def _redeemed_elsewhere(period) -> dict:
    """Per issuing partner: its points spent in this period at another party."""
    rows = (
        LotUse.objects.filter(
            entry__clearing_entry__period=period,
            entry__kind=LedgerEntry.Kind.REDEEMED,
            lot__entry__merchant__isnull=False,
        )
        .values("lot__entry__merchant_id", "entry__merchant_id")
        .annotate(points=Sum("points"))
    )
    found = defaultdict(int)
    for row in rows:
        if row["lot__entry__merchant_id"] != row["entry__merchant_id"]:
            found[row["lot__entry__merchant_id"]] += row["points"]
    return found


def statements_build(*, period) -> list[Statement]:
    """One statement per party of ``period`` (everyone with a posting in it or a
    balance brought forward), its totals from the postings, then its lines."""
    totals = defaultdict(lambda: defaultdict(Decimal))
    points = defaultdict(lambda: defaultdict(int))
    rows = (
        Posting.objects.filter(entry__period=period)
        .values("merchant_id", "role", "entry__is_adjustment")
        .annotate(amount=Sum("amount"), points=Sum("points"))
    )
    for row in rows:
        party = row["merchant_id"]
        # SQLite sums decimals as floats; every amount is in cents, so cents are exact.
        amount = money(row["amount"])
        totals[party][COLUMNS[row["role"]]] += amount
        totals[party]["net"] += amount
        if row["entry__is_adjustment"]:
            totals[party]["adjustments"] += amount
        points[party][row["role"]] += row["points"]
    previous = _previous_closing(period)
    parties = set(totals) | {party for party, balance in previous.items() if balance}
    elsewhere = _redeemed_elsewhere(period)
    coalition = period.coalition
    statements = []
    codes = dict(Merchant.objects.filter(pk__in=[p for p in parties if p]).values_list("pk", "code"))
    for party in sorted(parties, key=lambda p: (p is not None, p or 0)):
        column = totals.get(party, {})
        opening = previous.get(party, ZERO)
        net = column.get("net", ZERO)
        statement = Statement(
            period=period,
            merchant_id=party,
            number=f"{coalition.code}-{timezone.localtime(period.starts_at):%Y%m%d}-{codes.get(party, 'operator')}",
            currency=coalition.currency,
            opening_balance=opening,
            issued_points=points[party][Role.ISSUED],
            redeemed_here_points=points[party][Role.REDEEMED],
            redeemed_elsewhere_points=elsewhere.get(party, 0) if party else 0,
            adjustments=column.get("adjustments", ZERO),
            net=net,
            closing_balance=opening + net,
            **{name: column.get(name, ZERO) for name in AMOUNT_COLUMNS},
        )
        statements.append(statement)
    statements = Statement.objects.bulk_create(statements)
    by_party = {s.merchant_id: s for s in statements}
    _lines_build(period, by_party)
    return statements


def _previous_closing(period) -> dict:
    found = {}
    for statement in Statement.objects.filter(
        period__coalition=period.coalition, period__starts_at__lt=period.starts_at
    ).order_by("period__starts_at"):
        found[statement.merchant_id] = statement.closing_balance
    return found


def _lines_build(period, by_party, batch=2000):
    postings = (
        Posting.objects.filter(entry__period=period)
        .values_list(
            "pk",
            "merchant_id",
            "role",
            "amount",
            "points",
            "entry_id",
            "entry__kind",
            "entry__occurred_at",
            "entry__reference",
            "entry__is_adjustment",
        )
        .order_by("pk")
    )
    chunk = []
    for pk, party, role, amount, pts, entry_id, kind, at, reference, adjustment in postings.iterator(chunk_size=batch):
        chunk.append(
            StatementLine(
                statement=by_party[party],
                posting_id=pk,
                entry_id=entry_id,
                kind=kind,
                role=role,
                occurred_at=at,
                reference=reference,
                points=pts,
                amount=amount,
                is_adjustment=adjustment,
            )
        )
        if len(chunk) >= batch:
            StatementLine.objects.bulk_create(chunk)
            chunk = []
    StatementLine.objects.bulk_create(chunk)


@transaction.atomic
def statement_approve(*, statement: Statement, actor) -> Statement:
    """Staff approve a statement they reviewed; approving twice changes nothing. Locks
    the statement; the period is approved with its last statement."""
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.REVIEW:
        return statement
    statement.status = Statement.Status.APPROVED
    statement.approved_by = actor if getattr(actor, "pk", None) else None
    statement.approved_at = timezone.now()
    statement.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    if not Statement.objects.filter(period_id=statement.period_id, status=Statement.Status.REVIEW).exists():
        SettlementPeriod.objects.filter(pk=statement.period_id).update(status=SettlementPeriod.Status.APPROVED)
    audit_log(actor=actor, action="clearing.statement.approved", obj=statement)
    return statement


@transaction.atomic
def statement_payment_record(*, statement: Statement, amount, reference: str, paid_on, actor=None):
    """Records money that settled (part of) an approved partner statement: a payment
    entry in the journal (so it shows in the current period and the balance carries the
    rest forward) and the payment row. Locks the statement; refuses more than is
    outstanding. A repeated ``reference`` returns the first payment."""
    statement = Statement.objects.select_for_update().select_related("period__coalition").get(pk=statement.pk)
    existing = StatementPayment.objects.filter(statement=statement, reference=reference).first()
    if existing is not None:
        return existing
    if statement.merchant_id is None:
        raise PaymentNotAllowed()
    if statement.status == Statement.Status.REVIEW:
        raise StatementNotApproved()
    amount = money(amount)
    outstanding = abs(statement.outstanding)
    if amount <= 0 or amount > outstanding:
        raise PaymentTooLarge(details={"outstanding": str(outstanding)})
    # The partner owed (negative balance) and paid: its position rises toward zero.
    signed = amount if statement.closing_balance < 0 else -amount
    entry = entry_post(
        coalition=statement.period.coalition,
        kind=JournalEntry.Kind.PAYMENT,
        legs=[Leg(statement.merchant_id, Role.PAYMENT, signed), Leg(None, Role.PAYMENT, -signed)],
        reference=f"{statement.number}:{reference}",
        merchant_id=statement.merchant_id,
        memo=f"{statement.number} {reference}"[:255],
    )
    payment = StatementPayment.objects.create(
        statement=statement,
        amount=amount,
        reference=reference,
        paid_on=paid_on,
        entry=entry,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    statement.paid_amount += amount
    if statement.outstanding == 0:
        statement.status = Statement.Status.PAID
    statement.save(update_fields=["paid_amount", "status", "updated_at"])
    audit_log(
        actor=actor,
        action="clearing.statement.paid",
        obj=statement,
        data={"amount": str(amount), "reference": reference, "paid_on": str(paid_on)},
    )
    return payment
