"""A chunk's set-based writes, one statement per table (``sql``): its transactions (which
claim their external ids) and lines, the ledger entries and lots of its earnings, one
UPDATE of the balances, the tier changes, the webhooks and the audit entries."""

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils.translation import gettext as _

from skypark.audit.models import AuditEntry
from skypark.audit.services import actor_label

from ... import webhooks
from ...models import Account, LedgerEntry, PointLot, PosTransaction, PosTransactionLine, TierChange
from . import sql

Kind = LedgerEntry.Kind


class Raced(Exception):
    """Another run imported some of the chunk's external ids after the chunk looked for
    them: the chunk rolls back and runs again, those rows then duplicates."""


def points_earned_correct(sales, claimed, earned):
    """The transactions claimed with points worked out before the lock, where the
    accounts' state under the lock gives other points (another write to the account in
    between moved its tier)."""
    for sale, before, after in zip(sales, claimed, earned, strict=True):
        if before != after:
            PosTransaction.objects.filter(pk=sale.tx_id).update(points_earned=after)


def transactions_insert(context, sales, earned, *, now):
    """The transaction rows, which claim their external ids before the accounts are
    locked (the order a till's sale takes them in). On PostgreSQL an external id that
    another run inserted since the chunk looked is skipped by the database and raises
    ``Raced``."""
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
        raise Raced()
    for sale in sales:
        sale.tx_id = ids[sale.external_id]


def lines_insert(sales, *, now):
    lines = [(sale.tx_id, line) for sale in sales for line in sale.lines]
    if not lines:
        return
    columns = {"transaction_id": [tx_id for tx_id, _line in lines]}
    for name in ("sku", "name", "quantity", "unit_price", "total"):
        columns[name] = [line[name] for _tx, line in lines]
    sql.insert(PosTransactionLine, columns, now=now)


def earnings_insert(context, earnings, *, now):
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


def accounts_move(moves, *, now):
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


def tier_changes_log(context, tier_changes, *, now):
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


def webhooks_queue(context, earnings, *, now):
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


def audit(context, sales, *, now):
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
