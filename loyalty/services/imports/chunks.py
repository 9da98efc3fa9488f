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

The accounts and the points are read and worked out in ``points``, the rows written in
``writes``; this module runs a chunk through them.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.config.selectors import get_decimal, get_int
from skypark.core.errors import DomainError

from ...errors import TransactionConflict
from ...models import Account, CrossPromo, ImportBatch, MerchantProgram, PosTransaction
from ..earning import tier_ladder
from ..ledger import points_floor
from ..partner import pos_transaction_record, promos_issue
from ..totals import customer_totals_add_many
from . import points, sql, writes
from .rows import RowError, row_error

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
        except writes.Raced:
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
    accounts = points.accounts_read(context, sales, now=now)
    qualifying = points.qualifying_sums(context, accounts.values(), now=now)
    plan = points.points_plan(context, sales, accounts, qualifying)
    writes.transactions_insert(context, sales, plan.earned, now=now)
    writes.lines_insert(sales, now=now)
    locked = points.accounts_lock(accounts)
    moved = [account for pk, account in locked.items() if account.state != accounts[pk].state]
    if moved:
        qualifying.update(points.qualifying_sums(context, moved, now=now))
        claimed, plan = plan, points.points_plan(context, sales, locked, qualifying)
        writes.points_earned_correct(sales, claimed.earned, plan.earned)
    for sale, earned in zip(sales, plan.earned, strict=True):
        sale.earned = earned
    writes.earnings_insert(context, plan.earnings, now=now)
    writes.accounts_move(plan.moves, now=now)
    # After the accounts are locked, as a till's sale writes them.
    customer_totals_add_many(
        merchant_id=merchant.pk,
        currency=merchant.currency,
        sales=[(sale.customer_id, sale.amount, sale.occurred_at) for sale in sales],
    )
    writes.tier_changes_log(context, plan.tier_changes, now=now)
    writes.webhooks_queue(context, plan.earnings, now=now)
    if context.promos:
        for sale in sales:
            tx = PosTransaction(pk=sale.tx_id, merchant=merchant, customer_id=sale.customer_id, amount=sale.amount)
            promos_issue(pos_transaction=tx)
    writes.audit(context, sales, now=now)
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
