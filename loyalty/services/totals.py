"""Customer totals (``CustomerTotals``): total spent, number of sales, first and last
visit, per merchant and across the network, per currency.

Moved only inside the transaction that completes, refunds or voids a sale, by one
upsert per row that adds to the columns (``INSERT … ON CONFLICT … DO UPDATE SET
total_spent = total_spent + …``): concurrent sales of one customer queue on the row and
none is lost, and a rolled-back sale moves nothing. The merchant's row is written before
the network's, always, so two sales never wait for each other's rows in opposite order.
Test sales move nothing. The statement is the same on PostgreSQL and SQLite (both take a
partial unique index as the conflict target).
"""

from decimal import Decimal

from django.db import connection
from django.utils import timezone

from .. import inserts
from ..models import CustomerTotals

_TABLE = CustomerTotals._meta.db_table

_UPSERT = """
    INSERT INTO "{table}" AS t
        ("customer_id", "merchant_id", "currency", "total_spent", "transactions", "first_visit_at", "last_visit_at")
    VALUES {values}
    ON CONFLICT ({target}) WHERE {where} DO UPDATE SET
        "total_spent" = t."total_spent" + EXCLUDED."total_spent",
        "transactions" = t."transactions" + EXCLUDED."transactions",
        "first_visit_at" = CASE
            WHEN t."first_visit_at" IS NULL OR t."first_visit_at" > EXCLUDED."first_visit_at"
            THEN EXCLUDED."first_visit_at" ELSE t."first_visit_at" END,
        "last_visit_at" = CASE
            WHEN t."last_visit_at" IS NULL OR t."last_visit_at" < EXCLUDED."last_visit_at"
            THEN EXCLUDED."last_visit_at" ELSE t."last_visit_at" END
"""
_ROW = "(%s, %s, %s, %s, %s, %s, %s)"


def _of_merchant(rows=1):
    return _UPSERT.format(
        table=_TABLE,
        values=", ".join([_ROW] * rows),
        target='"customer_id", "merchant_id", "currency"',
        where='"merchant_id" IS NOT NULL',
    )


def _of_network(rows=1):
    return _UPSERT.format(
        table=_TABLE, values=", ".join([_ROW] * rows), target='"customer_id", "currency"', where='"merchant_id" IS NULL'
    )


_OF_MERCHANT, _OF_NETWORK = _of_merchant(), _of_network()


def _both():
    """Both upserts of a sale in one statement on PostgreSQL: the network's selects its
    row from the merchant's ``RETURNING``, so the merchant's row is always written (and
    locked) first."""
    fields = [
        CustomerTotals._meta.get_field(name)
        for name in ("customer", "merchant", "currency", "total_spent", "transactions", "first_visit_at")
    ]
    typed = inserts.typed_placeholders(fields)
    merchant = _of_merchant().strip()
    network = _of_network().replace(f"VALUES {_ROW}", f"SELECT {typed}, %s::timestamptz FROM m", 1)
    return f"WITH m AS ({merchant} RETURNING 1) {network.strip()}"


_OF_BOTH = _both()
# A refund or void only ever follows the sale that made the row: a plain UPDATE (an
# upsert's proposed row would be checked, and refused, before its conflict is found).
_TAKE_BACK = f"""
    UPDATE "{_TABLE}" SET "total_spent" = "total_spent" + %s, "transactions" = "transactions" + %s
    WHERE "customer_id" = %s AND "currency" = %s AND {{merchant}}
"""


def customer_totals_move(*, customer_id, merchant_id, currency: str, spent: Decimal, transactions: int, visit_at=None):
    """Adds ``spent`` (negative for a refund) and ``transactions`` (1 for a completed
    sale, -1 for a void, 0 for a refund) to the customer's totals at the merchant and
    across the network, in the caller's transaction; ``visit_at`` (the sale's time)
    moves the first and last visit when it is earlier or later than theirs."""
    if spent <= 0 and transactions <= 0:
        with connection.cursor() as cursor:
            params = [spent, transactions, customer_id, currency]
            cursor.execute(_TAKE_BACK.format(merchant='"merchant_id" = %s'), [*params, merchant_id])
            cursor.execute(_TAKE_BACK.format(merchant='"merchant_id" IS NULL'), params)
        return
    at = connection.ops.adapt_datetimefield_value(visit_at) if visit_at else None
    merchant_row = [customer_id, merchant_id, currency, spent, transactions, at, at]
    network_row = [customer_id, None, currency, spent, transactions, at, at]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_OF_BOTH, merchant_row + network_row)
            return
        cursor.execute(_OF_MERCHANT, merchant_row)
        cursor.execute(_OF_NETWORK, network_row)


def customer_totals_add_many(*, merchant_id, currency: str, sales) -> None:
    """A batch of completed sales at one merchant (the CRM import's set-based path):
    ``sales`` is ``[(customer_id, amount, occurred_at)]``. Two statements for the batch,
    one row per customer in each, written in customer order (the order every writer of
    several rows takes)."""
    per_customer = {}
    for customer_id, amount, occurred_at in sales:
        spent, count, first, last = per_customer.get(customer_id, (0, 0, occurred_at, occurred_at))
        per_customer[customer_id] = (spent + amount, count + 1, min(first, occurred_at), max(last, occurred_at))
    if not per_customer:
        return
    adapt = connection.ops.adapt_datetimefield_value
    ordered = sorted(per_customer.items())
    with connection.cursor() as cursor:
        for build, merchant in ((_of_merchant, merchant_id), (_of_network, None)):
            params = []
            for customer_id, (spent, count, first, last) in ordered:
                params += [customer_id, merchant, currency, spent, count, adapt(first), adapt(last)]
            cursor.execute(build(len(ordered)), params)


def totals_for_sale(tx, *, now=None):
    """A sale has just completed: its amount counts as spent (the till's total, before
    loyalty discounts: what the purchase was worth, whoever paid which part)."""
    if tx.is_test:
        return
    customer_totals_move(
        customer_id=tx.customer_id,
        merchant_id=tx.merchant_id,
        currency=tx.currency,
        spent=tx.amount,
        transactions=1,
        visit_at=tx.occurred_at or now or timezone.now(),
    )


def totals_for_refund(tx, *, amount: Decimal, voided: bool = False):
    """``amount`` of a completed sale was refunded and comes off what was spent; a void
    also takes the sale out of the count. Exact: no share is worked out or rounded."""
    if tx.is_test or amount <= 0:
        return
    customer_totals_move(
        customer_id=tx.customer_id,
        merchant_id=tx.merchant_id,
        currency=tx.currency,
        spent=-amount,
        transactions=-1 if voided else 0,
    )
