"""Importing one chunk of parsed rows in one database transaction, set-based.

The order is a till's sale's (``partner``: the external id first, then the points
account), so an import and a till recording the same external id at the same moment
cannot deadlock: the external ids already imported are looked up in one query, the
chunk's accounts read (created where missing) and its points worked out in Python from
them; the transactions and their lines are inserted, which claims their external ids;
then the accounts are locked in pk order and read again. Where another write moved one
of them in between, the points are worked out again from the locked state and the
claimed transactions corrected. The ledger entries, lots, balances, tier changes,
webhooks and audit entries follow: one INSERT per table and one UPDATE of the balances
(``sql``).

The rules, entries and balances are those of ``pos_transaction_record`` called row by
row, which is also the path a chunk falls back to when its set-based insert fails.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.models import AuditEntry
from skypark.audit.services import actor_label
from skypark.config.selectors import get_decimal, get_int
from skypark.core.errors import DomainError

from ... import webhooks
from ...errors import TransactionConflict
from ...models import (
    Account,
    CrossPromo,
    ImportBatch,
    LedgerEntry,
    MerchantProgram,
    PointLot,
    PosTransaction,
    PosTransactionLine,
    TierChange,
)
from ..earning import tier_for_points, tier_ladder
from ..ledger import points_floor
from ..partner import pos_transaction_record, promos_issue
from ..totals import customer_totals_add_many
from . import sql
from .rows import RowError, row_error

Kind = LedgerEntry.Kind
ONE = Decimal("1")
# Set-based tries per chunk before it goes row by row: a second one is needed when
# another run imported some of the chunk's external ids while this one was reading.
SET_BASED_ATTEMPTS = 2


@dataclass
class Context:
    """What every row of a batch shares: the merchant, its program, the settings."""

    batch: ImportBatch
    merchant: object
    program: MerchantProgram | None
    promos: bool
    ladder: list
    points_per_som: Decimal
    coalition_months: int
    tier_window_months: int
    account_labels: dict = field(default_factory=dict)

    @classmethod
    def load(cls, batch):
        merchant = batch.merchant
        program = MerchantProgram.objects.filter(merchant=merchant).first()
        return cls(
            batch=batch,
            merchant=merchant,
            program=program,
            promos=CrossPromo.objects.filter(source_merchant=merchant, is_active=True).exists(),
            ladder=tier_ladder(),
            points_per_som=get_decimal("loyalty.points_per_som"),
            coalition_months=get_int("loyalty.expiry_months"),
            tier_window_months=get_int("loyalty.tier_window_months"),
        )

    @property
    def actor(self):
        return f"import:{self.batch.pk}"

    def own_on(self, occurred_at) -> bool:
        return self.program is not None and self.program.runs_own_on(timezone.localdate(occurred_at))

    def network_points(self, amount, multiplier) -> int:
        """``network_points_for`` with the rate read once per batch, not once per row."""
        return points_floor(amount * self.points_per_som * multiplier)

    def coalition_label(self, pk, customer) -> str:
        """``str()`` of a coalition account, as its audit entries name it (once per
        account: it formats the customer's phone number)."""
        if pk not in self.account_labels:
            self.account_labels[pk] = str(Account(pk=pk, customer=customer, merchant=None))[:255]
        return self.account_labels[pk]

    def expiry_months(self, own: bool) -> int:
        if own and self.program.expiry_months:
            return self.program.expiry_months
        return self.coalition_months


class _Account(NamedTuple):
    pk: int
    customer_id: int
    merchant_id: int | None
    balance: int
    tier_id: int | None
    tier_points: int
    updated_at: datetime.datetime

    @property
    def state(self):
        """What any other write to the account changes (every ledger write moves the
        balance and ``updated_at``; a tier recount, ``tier_id`` or ``tier_points``)."""
        return (self.balance, self.tier_id, self.tier_points, self.updated_at)


_ACCOUNT_FIELDS = ("pk", "customer_id", "merchant_id", "balance", "tier_id", "tier_points", "updated_at")


@dataclass(slots=True)
class _Sale:
    index: int
    external_id: str
    customer: object
    customer_id: int
    amount: Decimal
    occurred_at: datetime.datetime
    own: bool
    lines: list
    account_pk: int = 0
    earned: int = 0
    tx_id: int = 0


@dataclass
class _Plan:
    """The points of a chunk's sales worked out from its accounts' state: each sale's
    points, the earnings to write (``(sale, multiplier, balance after)``), the tier
    changes (``(sale, old tier, new tier, qualifying points)``) and each account's move
    (``[pk, earned, qualifying points or None, tier id, tier changed]``)."""

    earned: list
    earnings: list
    tier_changes: list
    moves: list


class _Raced(Exception):
    """Another run imported some of the chunk's external ids after the chunk looked for
    them: the chunk rolls back and runs again, those rows then duplicates."""


def chunk_run(context, chunk, chunk_end, errors) -> tuple[list, list]:
    """Imports ``chunk`` (``[(index, parsed row or RowError)]``) in one database
    transaction with the batch's progress (``chunk_end`` rows processed, ``errors`` so
    far); returns the chunk's new errors and the customers whose purchases it recorded.
    Row by row through the single-sale service, each row then all-or-nothing on its own,
    when the set-based insert fails (e.g. a value the database refuses), and always for a
    test batch (its rows are test sales, which write no points)."""
    for _attempt in range(0 if context.batch.is_test else SET_BASED_ATTEMPTS):
        try:
            with transaction.atomic():
                counts, new_errors, customers = _set_based(context, chunk)
                _progress(context.batch, chunk_end, counts, errors + new_errors)
            return new_errors, customers
        except _Raced:
            continue
        except (IntegrityError, DataError, OperationalError):
            break
    counts, new_errors = _row_by_row(context, chunk)
    _progress(context.batch, chunk_end, counts, errors + new_errors)
    return new_errors, []


def _row_by_row(context, chunk):
    counts = {"created": 0, "duplicate": 0, "error": 0}
    new_errors = []
    for index, row in chunk:
        try:
            if isinstance(row, RowError):
                raise row
            _tx, created = pos_transaction_record(
                merchant=context.merchant,
                source=PosTransaction.Source.IMPORT,
                actor=context.actor,
                test=context.batch.is_test,
                **row,
            )
            counts["created" if created else "duplicate"] += 1
        except (RowError, DomainError) as exc:
            new_errors.append(row_error(index, exc))
            counts["error"] += 1
        except (DataError, IntegrityError):
            # The database refused what passed every check here (a value out of range,
            # a constraint): this row only is reported, the rest of the chunk goes in.
            new_errors.append(row_error(index, RowError("invalid_row", _("A value of this row does not fit."))))
            counts["error"] += 1
    return counts, new_errors


def _progress(batch, processed, counts, errors):
    ImportBatch.objects.filter(pk=batch.pk).update(
        processed_rows=processed,
        created_count=F("created_count") + counts["created"],
        duplicate_count=F("duplicate_count") + counts["duplicate"],
        error_count=F("error_count") + counts["error"],
        errors=errors,
        updated_at=timezone.now(),
    )


def _set_based(context, chunk):
    """The chunk inside the caller's transaction: ``(counts, new errors, customers)``."""
    merchant = context.merchant
    counts = {"created": 0, "duplicate": 0, "error": 0}
    new_errors, rows = [], []
    for index, row in chunk:
        if isinstance(row, RowError):
            new_errors.append(row_error(index, row))
            counts["error"] += 1
        else:
            rows.append((index, row))
    external_ids = sql.one_of(PosTransaction._meta.get_field("external_id"), [row["external_id"] for _i, row in rows])
    seen = {
        external_id: (customer_id, amount)
        for external_id, customer_id, amount in PosTransaction.objects.filter(
            merchant=merchant, is_test=False, external_id__in=external_ids
        ).values_list("external_id", "customer_id", "amount")
    }
    now = timezone.now()
    sales = []
    for index, row in rows:
        external_id, customer, amount = row["external_id"], row["customer"], row["amount"]
        customer_id = customer.pk
        found = seen.get(external_id)
        if found is not None:
            if found != (customer_id, amount):
                new_errors.append(row_error(index, TransactionConflict(details={"external_id": external_id})))
                counts["error"] += 1
            else:
                counts["duplicate"] += 1
            continue
        seen[external_id] = (customer_id, amount)
        occurred_at = row["occurred_at"] or now
        own = context.own_on(occurred_at)
        sales.append(_Sale(index, external_id, customer, customer_id, amount, occurred_at, own, row["lines"]))
    new_errors.sort(key=lambda e: e["row"])
    if not sales:
        return counts, new_errors, []
    _constraints_check("IMMEDIATE")
    accounts = _accounts_read(context, sales, now=now)
    qualifying = _qualifying_sums(context, accounts.values(), now=now)
    plan = _points(context, sales, accounts, qualifying)
    _transactions_insert(context, sales, plan.earned, now=now)
    _lines_insert(sales, now=now)
    locked = _accounts_lock(accounts)
    moved = [account for pk, account in locked.items() if account.state != accounts[pk].state]
    if moved:
        qualifying.update(_qualifying_sums(context, moved, now=now))
        claimed, plan = plan, _points(context, sales, locked, qualifying)
        _points_earned_correct(sales, claimed.earned, plan.earned)
    for sale, earned in zip(sales, plan.earned, strict=True):
        sale.earned = earned
    _earnings_insert(context, plan.earnings, now=now)
    _accounts_move(plan.moves, now=now)
    # After the accounts are locked, as a till's sale writes them.
    customer_totals_add_many(
        merchant_id=merchant.pk,
        currency=merchant.currency,
        sales=[(sale.customer_id, sale.amount, sale.occurred_at) for sale in sales],
    )
    _tier_changes_log(context, plan.tier_changes, now=now)
    _webhooks_queue(context, plan.earnings, now=now)
    if context.promos:
        for sale in sales:
            tx = PosTransaction(pk=sale.tx_id, merchant=merchant, customer_id=sale.customer_id, amount=sale.amount)
            promos_issue(pos_transaction=tx)
    _audit(context, sales, now=now)
    _constraints_check("DEFERRED")
    counts["created"] += len(sales)
    customers = list({sale.customer_id: sale.customer for sale in sales}.values())
    return counts, new_errors, customers


def _constraints_check(when):
    """On PostgreSQL, foreign keys checked as each statement runs (``IMMEDIATE``) for the
    chunk, so that the checks of the rows written before the accounts are locked are
    done before too, not at commit under the locks; then back to Django's ``DEFERRED``
    for whatever else the caller's transaction holds (a failed chunk rolls the setting
    back with it)."""
    if sql.set_based():
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS ALL {when}")


def _accounts_read(context, sales, *, now) -> dict:
    """The chunk's accounts by pk, read without a lock, each sale's ``account_pk`` set:
    the coalition account or the one in the merchant's own program, created where
    missing."""
    merchant_id = context.merchant.pk
    wanted = {(sale.customer_id, merchant_id if sale.own else None) for sale in sales}
    scope = Q()
    if any(m_id is None for _c, m_id in wanted):
        scope |= Q(merchant__isnull=True)
    if any(m_id is not None for _c, m_id in wanted):
        scope |= Q(merchant_id=merchant_id)
    customer_ids = sorted({customer_id for customer_id, _m in wanted})
    mine = Account.objects.filter(scope, customer_id__in=sql.one_of(Account._meta.get_field("customer"), customer_ids))
    found = {(a.customer_id, a.merchant_id): a for a in map(_Account._make, mine.values_list(*_ACCOUNT_FIELDS))}
    missing = sorted(wanted - set(found), key=lambda k: (k[0], k[1] or 0))
    if missing:
        sql.insert(
            Account,
            {"customer_id": [c for c, _m in missing], "merchant_id": [m for _c, m in missing]},
            now=now,
            skip_conflicts=True,
        )
        found = {(a.customer_id, a.merchant_id): a for a in map(_Account._make, mine.values_list(*_ACCOUNT_FIELDS))}
    for sale in sales:
        sale.account_pk = found[(sale.customer_id, merchant_id if sale.own else None)].pk
    return {account.pk: account for key, account in found.items() if key in wanted}


def _accounts_lock(accounts) -> dict:
    """The accounts locked in pk order (``FOR NO KEY UPDATE``: like a till's lock it
    keeps every other write to the balance waiting, but not a foreign key check of a
    row that points to the account) and read again."""
    locked = (
        Account.objects.filter(pk__in=sql.one_of(Account._meta.pk, sorted(accounts)))
        .select_for_update(no_key=True)
        .order_by("pk")
        .values_list(*_ACCOUNT_FIELDS)
    )
    return {account.pk: account for account in map(_Account._make, locked)}


def _points_earned_correct(sales, claimed, earned):
    """The transactions claimed with points worked out before the lock, where the
    accounts' state under the lock gives other points (another write to the account in
    between moved its tier)."""
    for sale, before, after in zip(sales, claimed, earned, strict=True):
        if before != after:
            PosTransaction.objects.filter(pk=sale.tx_id).update(points_earned=after)


def _points(context, sales, accounts, qualifying) -> _Plan:
    """Each sale's points by the rules of a single sale, in row order, from the state of
    the accounts (``{pk: _Account}``) and their ``qualifying`` sums."""
    program = context.program
    ladder = context.ladder
    lowest = ladder[0] if ladder else None
    tiers = {tier.pk: tier for tier in ladder}
    balance = {pk: account.balance for pk, account in accounts.items()}
    tier_id = {pk: account.tier_id for pk, account in accounts.items()}
    qualifying = dict(qualifying)
    plan = _Plan(earned=[], earnings=[], tier_changes=[], moves=[])
    moves = {}
    for sale in sales:
        pk = sale.account_pk
        if sale.own:
            multiplier = ONE
            earned = 0 if sale.amount < program.min_spend else points_floor(sale.amount * program.points_per_unit)
        else:
            tier = tiers.get(tier_id[pk]) or lowest
            multiplier = tier.multiplier if tier else ONE
            earned = context.network_points(sale.amount, multiplier)
        earned = max(earned, 0)
        plan.earned.append(earned)
        if earned == 0:
            continue
        balance[pk] += earned
        move = moves.setdefault(pk, [pk, 0, None, None, False])
        move[1] += earned
        if not sale.own:
            qualifying[pk] += earned
            points = move[2] = max(qualifying[pk], 0)
            tier = tier_for_points(points, ladder)
            if (tier.pk if tier else None) != tier_id[pk]:
                plan.tier_changes.append((sale, tiers.get(tier_id[pk]), tier, points))
                tier_id[pk] = tier.pk if tier else None
            move[3], move[4] = tier_id[pk], tier_id[pk] != accounts[pk].tier_id
        plan.earnings.append((sale, multiplier, balance[pk]))
    plan.moves = list(moves.values())
    return plan


def _qualifying_sums(context, accounts, *, now) -> dict:
    """Each coalition account's sum of what counts toward its tier, as
    ``qualifying_points`` counts it but without its floor at 0: that applies once each
    row's points are added, as ``tier_recalculate`` counts them after a sale."""
    pks = [account.pk for account in accounts if account.merchant_id is None]
    if not pks:
        return {}
    since = now - relativedelta(months=context.tier_window_months)
    totals = (
        LedgerEntry.objects.filter(
            account_id__in=sql.one_of(LedgerEntry._meta.get_field("account"), pks), created_at__gte=since
        )
        .filter(Q(kind__in=[Kind.EARNED, Kind.BONUS]) | Q(kind=Kind.REVERSED, source="refund"))
        .values("account_id")
        .annotate(s=Sum("points"))
    )
    found = {t["account_id"]: t["s"] or 0 for t in totals}
    return {pk: found.get(pk, 0) for pk in pks}


def _transactions_insert(context, sales, earned, *, now):
    """The transaction rows, which claim their external ids before the accounts are
    locked (the order a till's sale takes them in). On PostgreSQL an external id that
    another run inserted since the chunk looked is skipped by the database and raises
    ``_Raced``."""
    merchant = context.merchant
    inserted = sql.insert(
        PosTransaction,
        {
            "customer_id": [sale.customer_id for sale in sales],
            "account_id": [sale.account_pk for sale in sales],
            "external_id": [sale.external_id for sale in sales],
            "amount": [sale.amount for sale in sales],
            "occurred_at": [sale.occurred_at for sale in sales],
            "points_earned": earned,
        },
        same={
            "merchant_id": merchant.pk,
            "is_test": False,
            "source": PosTransaction.Source.IMPORT,
            "currency": merchant.currency,
            "metadata": {},
            "completed_at": now,
        },
        now=now,
        returning=("id", "external_id"),
        skip_conflicts=("merchant_id", "is_test", "external_id"),
    )
    ids = {external_id: pk for pk, external_id in inserted}
    if len(ids) != len(sales):
        raise _Raced()
    for sale in sales:
        sale.tx_id = ids[sale.external_id]


def _lines_insert(sales, *, now):
    lines = [(sale.tx_id, line) for sale in sales for line in sale.lines]
    if not lines:
        return
    columns = {"transaction_id": [tx_id for tx_id, _line in lines]}
    for name in ("sku", "name", "quantity", "unit_price", "total"):
        columns[name] = [line[name] for _tx, line in lines]
    sql.insert(PosTransactionLine, columns, now=now)


def _earnings_insert(context, earnings, *, now):
    """The ``earned`` ledger entry and its lot of every sale that earned points."""
    if not earnings:
        return
    merchant = context.merchant
    references = [f"{merchant.pk}:{sale.external_id}" for sale, _m, _b in earnings]
    inserted = sql.insert(
        LedgerEntry,
        {
            "account_id": [sale.account_pk for sale, _m, _b in earnings],
            "points": [sale.earned for sale, _m, _b in earnings],
            "balance_after": [balance for _s, _m, balance in earnings],
            "multiplier": [multiplier for _s, multiplier, _b in earnings],
            "reference": references,
            "amount": [sale.amount for sale, _m, _b in earnings],
        },
        same={
            "kind": Kind.EARNED,
            "source": "pos",
            "description": (_("Purchase at %(m)s") % {"m": merchant.name})[:255],
            "merchant_id": merchant.pk,
            "data": {},
            "created_by_id": None,
            "actor_label": context.actor[:255],
        },
        now=now,
        returning=("id", "reference"),
    )
    entry_ids = {reference: pk for pk, reference in inserted}
    expiry = {own: now + relativedelta(months=context.expiry_months(own)) for own in {s.own for s, _m, _b in earnings}}
    sql.insert(
        PointLot,
        {
            "account_id": [sale.account_pk for sale, _m, _b in earnings],
            "entry_id": [entry_ids[reference] for reference in references],
            "points": [sale.earned for sale, _m, _b in earnings],
            "remaining": [sale.earned for sale, _m, _b in earnings],
            "expires_at": [expiry[sale.own] for sale, _m, _b in earnings],
        },
        now=now,
    )


def _accounts_move(moves, *, now):
    """One UPDATE for the chunk: each account's balance and lifetime earnings move by
    its summed earnings; a coalition account's qualifying points and tier are set to
    where its last row left them."""
    if not moves:
        return
    table = connection.ops.quote_name(Account._meta.db_table)
    assignments = (
        f"balance = {table}.balance + v.earned, lifetime_earned = {table}.lifetime_earned + v.earned,"
        f" tier_points = CASE WHEN v.qualifying >= 0 THEN v.qualifying ELSE {table}.tier_points END,"
        f" tier_id = CASE WHEN v.changed = 1 THEN NULLIF(v.tier, 0) ELSE {table}.tier_id END,"
        f" tier_changed_at = CASE WHEN v.changed = 1 THEN %s ELSE {table}.tier_changed_at END,"
        " last_activity_at = %s, updated_at = %s"
    )
    rows = sorted((pk, earned, -1 if q is None else q, tier or 0, int(ch)) for pk, earned, q, tier, ch in moves)
    if sql.set_based():
        arrays = ", ".join(f"%s::{kind}[]" for kind in ("bigint", "integer", "integer", "bigint", "integer"))
        statement = (
            f"UPDATE {table} SET {assignments} FROM unnest({arrays})"
            f" AS v(id, earned, qualifying, tier, changed) WHERE {table}.id = v.id"
        )
        params = [now, now, now, *(sql.integer_array(column) for column in zip(*rows, strict=True))]
    else:
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
        statement = (
            f"WITH v(id, earned, qualifying, tier, changed) AS (VALUES {values})"
            f" UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.id"
        )
        params = [value for row in rows for value in row] + [now, now, now]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _tier_changes_log(context, tier_changes, *, now):
    """Each tier change as ``tier_recalculate`` logs it after a single sale: a
    ``TierChange`` and its audit entry."""
    if not tier_changes:
        return
    upgrades = [(new.min_points if new else -1) > (old.min_points if old else -1) for _s, old, new, _p in tier_changes]
    sql.insert(
        TierChange,
        {
            "account_id": [sale.account_pk for sale, _o, _n, _p in tier_changes],
            "from_tier_id": [old.pk if old else None for _s, old, _n, _p in tier_changes],
            "to_tier_id": [new.pk if new else None for _s, _o, new, _p in tier_changes],
            "qualifying_points": [points for _s, _o, _n, points in tier_changes],
            "is_upgrade": upgrades,
        },
        now=now,
    )
    sql.insert(
        AuditEntry,
        {
            "action": ["loyalty.tier.upgraded" if up else "loyalty.tier.downgraded" for up in upgrades],
            "before": [{"tier": old.code if old else None} for _s, old, _n, _p in tier_changes],
            "after": [{"tier": new.code if new else None} for _s, _o, new, _p in tier_changes],
            "data": [{"qualifying_points": points} for _s, _o, _n, points in tier_changes],
            "object_id": [str(sale.account_pk) for sale, _o, _n, _p in tier_changes],
            "object_repr": [
                context.coalition_label(sale.account_pk, sale.customer) for sale, _o, _n, _p in tier_changes
            ],
        },
        same={
            "actor_id": None,
            "actor_label": actor_label(None),
            "source": AuditEntry.Source.SERVICE,
            "content_type_id": ContentType.objects.get_for_model(Account, for_concrete_model=False).pk,
        },
        now=now,
    )


def _webhooks_queue(context, earnings, *, now):
    """One ``points.awarded`` delivery per earning row, as the till records it, each sent
    by its task after commit."""
    if not earnings:
        return
    webhooks.points_awarded_many(
        merchant=context.merchant,
        earnings=[
            (sale.tx_id, sale.external_id, sale.customer.customer_code, sale.earned, balance)
            for sale, _m, balance in earnings
        ],
    )


def _audit(context, sales, *, now):
    """The ``loyalty.transaction.recorded`` entry of each transaction."""
    code = context.merchant.code
    sql.insert(
        AuditEntry,
        {
            "data": [{"amount": str(sale.amount), "earned": sale.earned, "redeemed": 0} for sale in sales],
            "object_id": [str(sale.tx_id) for sale in sales],
            "object_repr": [f"{code}:{sale.external_id}"[:255] for sale in sales],
        },
        same={
            "actor_id": None,
            "actor_label": actor_label(context.actor),
            "action": "loyalty.transaction.recorded",
            "source": AuditEntry.Source.SERVICE,
            "content_type_id": ContentType.objects.get_for_model(PosTransaction, for_concrete_model=False).pk,
        },
        now=now,
    )
