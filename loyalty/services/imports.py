"""CRM imports: a merchant pushes a batch of past transactions.

Semantics: the batch's *shape* is checked first (a list of at most ``MAX_ROWS`` objects);
a malformed batch is refused and writes nothing. Then every row is validated in Python
(customers resolved for the whole batch at once) and the valid rows are imported
set-based, ``CHUNK_ROWS`` rows per database transaction with the batch's progress: each
row is all-or-nothing (transaction, lines and points commit together or not at all), and
idempotent by ``external_id``: a row already imported is counted as a duplicate and left
alone, so a batch can be re-sent or a killed run restarted safely. Points follow the rules
of a single sale (``pos_transaction_record``): the same ledger entries, lots, tier
changes, webhooks and audit entries. Rows that fail are reported with their index, a
machine code and a message; no row is ever half there.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from skypark.accounts.models import User
from skypark.audit.models import AuditEntry
from skypark.audit.services import actor_label, audit_log
from skypark.config.selectors import get_int
from skypark.core.errors import DomainError

from ..errors import TransactionConflict
from ..models import (
    Account,
    CrossPromo,
    ImportBatch,
    LedgerEntry,
    MerchantProgram,
    PointLot,
    PosTransaction,
    PosTransactionLine,
    Referral,
    TierChange,
    WebhookDelivery,
)
from .earning import network_points_for, referral_reward, tier_for_points, tier_ladder
from .ledger import points_floor
from .partner import _money, pos_transaction_record, promos_issue

Kind = LedgerEntry.Kind
MAX_ROWS = 10_000
CHUNK_ROWS = 500
MAX_AMOUNT = Decimal("1e10")


class InvalidBatch(DomainError):
    code = "invalid_batch"
    default_message = _("The batch must be a list of transaction objects.")


class RowError(Exception):
    def __init__(self, code, message):
        self.code, self.message = code, message


def _row_key(row):
    """The row's external id and how it names its customer, checked before any query."""
    if not isinstance(row, dict):
        raise RowError("invalid_row", _("A row must be an object."))
    external_id = str(row.get("external_id") or "").strip()
    if not external_id or len(external_id) > 100:
        raise RowError("invalid_external_id", _("external_id is required (at most 100 characters)."))
    code = str(row.get("customer_code") or "").strip().upper()
    phone = str(row.get("phone") or "").strip()
    return external_id, code, phone


def _customers_for(keys) -> tuple[dict, dict]:
    """Customers by code and by phone, in two queries for the whole batch."""
    codes = {code for _eid, code, _phone in keys if code}
    phones = {phone for _eid, code, phone in keys if not code and phone}
    by_code, by_phone = {}, {}
    if codes:
        for user in User.objects.filter(customer_code__in=codes):
            by_code.setdefault(user.customer_code, user)
    if phones:
        for user in User.objects.filter(phone__in=phones):
            by_phone.setdefault(user.phone, user)
    return by_code, by_phone


def _line_parse(line) -> dict:
    try:
        quantity = Decimal(str(line.get("quantity", 1)))
        unit_price = _money(line.get("unit_price", 0))
    except (InvalidOperation, ValueError):
        raise RowError("invalid_lines", _("A line's quantity and unit_price must be numbers."))
    if not quantity.is_finite() or not unit_price.is_finite() or quantity <= 0 or unit_price < 0:
        raise RowError("invalid_lines", _("A line's quantity must be positive and its unit_price not negative."))
    return {
        "sku": str(line.get("sku", ""))[:64],
        "name": str(line.get("name", ""))[:255],
        "quantity": quantity,
        "unit_price": unit_price,
        "total": _money(quantity * unit_price),
    }


def _row_parse(row, *, by_code, by_phone) -> dict:
    external_id, code, phone = _row_key(row)
    customer = None
    if code:
        customer = by_code.get(code)
    elif phone:
        customer = by_phone.get(phone)
    if customer is None:
        raise RowError("customer_not_found", _("No customer with this customer_code or phone."))
    try:
        amount = Decimal(str(row.get("amount")))
    except (InvalidOperation, ValueError):
        raise RowError("invalid_amount", _("amount must be a number."))
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= MAX_AMOUNT:
        raise RowError("invalid_amount", _("amount must be a non-negative number with at most 2 decimals."))
    occurred_at = None
    if row.get("occurred_at"):
        occurred_at = parse_datetime(str(row["occurred_at"]))
        if occurred_at is None:
            raise RowError("invalid_occurred_at", _("occurred_at must be an ISO 8601 date and time."))
        if timezone.is_naive(occurred_at):
            occurred_at = timezone.make_aware(occurred_at)
        if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
            raise RowError("invalid_occurred_at", _("occurred_at is in the future."))
    lines = row.get("lines") or []
    if not isinstance(lines, list) or not all(isinstance(line, dict) and line.get("name") for line in lines):
        raise RowError("invalid_lines", _("lines must be a list of objects with a name."))
    return {
        "external_id": external_id,
        "customer": customer,
        "amount": amount,
        "occurred_at": occurred_at,
        "lines": [_line_parse(line) for line in lines],
    }


@transaction.atomic
def import_batch_create(*, merchant, rows, source="api", actor=None) -> ImportBatch:
    """Stores a batch and queues its import after commit. Refuses a malformed batch
    (``InvalidBatch``) before writing anything."""
    if not isinstance(rows, list) or not rows or len(rows) > MAX_ROWS:
        raise InvalidBatch(details={"max_rows": MAX_ROWS})
    batch = ImportBatch.objects.create(
        merchant=merchant,
        rows=rows,
        total_rows=len(rows),
        source=source,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_log(
        actor=actor or f"merchant:{merchant.code}", action="loyalty.import.queued", obj=batch, data={"rows": len(rows)}
    )
    from ..tasks import loyalty_import_run

    loyalty_import_run.delay_on_commit(batch.pk)
    return batch


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """Imports the rows of a batch from where it stopped (``processed_rows``), a chunk of
    ``CHUNK_ROWS`` rows per database transaction, the chunk's progress saved with it.
    Safe to re-run: finished batches are left as they are, and rows already imported are
    duplicates by external id."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("merchant").get(pk=batch_id)
        if batch.status == ImportBatch.Status.DONE:
            return batch
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    errors = list(batch.errors)
    done_indexes = {e["row"] for e in errors}
    start = batch.processed_rows
    todo = [index for index in range(start, batch.total_rows) if index not in done_indexes]
    keys, parsed = {}, {}
    for index in todo:
        try:
            keys[index] = _row_key(batch.rows[index])
        except RowError as exc:
            parsed[index] = exc
    by_code, by_phone = _customers_for(keys.values())
    for index in keys:
        try:
            parsed[index] = _row_parse(batch.rows[index], by_code=by_code, by_phone=by_phone)
        except RowError as exc:
            parsed[index] = exc
    context = _Context.load(batch)
    for chunk_start in range(start, batch.total_rows, CHUNK_ROWS):
        chunk_end = min(chunk_start + CHUNK_ROWS, batch.total_rows)
        chunk = [(index, parsed[index]) for index in range(chunk_start, chunk_end) if index in parsed]
        try:
            with transaction.atomic():
                counts, new_errors, customers = _chunk_import(context, chunk)
                _progress(batch, chunk_end, counts, errors + new_errors)
        except (IntegrityError, DataError, OperationalError):
            counts, new_errors, customers = _chunk_import_row_by_row(context, chunk)
            _progress(batch, chunk_end, counts, errors + new_errors)
        errors += new_errors
        pending = set(
            Referral.objects.filter(
                referred_id__in=[customer.pk for customer in customers], status=Referral.Status.PENDING
            ).values_list("referred_id", flat=True)
        )
        for customer in customers:
            if customer.pk in pending:
                referral_reward(referred=customer)
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.DONE, finished_at=timezone.now())
        batch.refresh_from_db()
        audit_log(
            actor=f"import:{batch.pk}",
            action="loyalty.import.finished",
            obj=batch,
            data={"created": batch.created_count, "duplicates": batch.duplicate_count, "errors": batch.error_count},
        )
    return batch


def _row_error(index, exc) -> dict:
    return {"row": index, "code": exc.code, "message": str(exc.message)}


@dataclass
class _Context:
    """What every row of a batch shares: the merchant, its program, the settings."""

    batch: ImportBatch
    merchant: object
    program: MerchantProgram | None
    webhook_url: str
    promos: bool
    ladder: list
    coalition_months: int
    tier_window_months: int

    @classmethod
    def load(cls, batch):
        merchant = batch.merchant
        program = MerchantProgram.objects.filter(merchant=merchant).first()
        return cls(
            batch=batch,
            merchant=merchant,
            program=program,
            webhook_url=program.webhook_url if program else "",
            promos=CrossPromo.objects.filter(source_merchant=merchant, is_active=True).exists(),
            ladder=tier_ladder(),
            coalition_months=get_int("loyalty.expiry_months"),
            tier_window_months=get_int("loyalty.tier_window_months"),
        )

    @property
    def actor(self):
        return f"import:{self.batch.pk}"

    def own_on(self, occurred_at) -> bool:
        return self.program is not None and self.program.runs_own_on(timezone.localdate(occurred_at))


def _chunk_import_row_by_row(context, chunk):
    """The per-sale service for each row: the path a chunk falls back to when its set-based
    insert meets a concurrent writer (another run importing the same external id)."""
    counts = {"created": 0, "duplicate": 0, "error": 0}
    new_errors, customers = [], []
    for index, row in chunk:
        try:
            if isinstance(row, RowError):
                raise row
            _tx, created = pos_transaction_record(
                merchant=context.merchant, source=PosTransaction.Source.IMPORT, actor=context.actor, **row
            )
            counts["created" if created else "duplicate"] += 1
        except (RowError, DomainError) as exc:
            new_errors.append(_row_error(index, exc))
            counts["error"] += 1
    return counts, new_errors, customers


def _chunk_import(context, chunk):
    """Imports one chunk of parsed rows set-based, inside the caller's transaction: the
    existing external ids in one query, the accounts created and locked once (in pk
    order), then transactions, lines, ledger entries, lots, webhooks and audit entries in
    bulk and one UPDATE per account; the same rules, entries and balances as
    ``pos_transaction_record`` row by row."""
    merchant = context.merchant
    counts = {"created": 0, "duplicate": 0, "error": 0}
    new_errors = []
    rows = []
    for index, row in chunk:
        if isinstance(row, RowError):
            new_errors.append(_row_error(index, row))
            counts["error"] += 1
        else:
            rows.append((index, row))
    seen = {
        external_id: (customer_id, amount)
        for external_id, customer_id, amount in PosTransaction.objects.filter(
            merchant=merchant, external_id__in=[row["external_id"] for _i, row in rows]
        ).values_list("external_id", "customer_id", "amount")
    }
    now = timezone.now()
    fresh = []
    for index, parsed in rows:
        row = {**parsed, "amount": _money(parsed["amount"]), "occurred_at": parsed["occurred_at"] or now}
        found = seen.get(row["external_id"])
        if found is not None:
            if found != (row["customer"].pk, row["amount"]):
                new_errors.append(_row_error(index, TransactionConflict(details={"external_id": row["external_id"]})))
                counts["error"] += 1
            else:
                counts["duplicate"] += 1
            continue
        seen[row["external_id"]] = (row["customer"].pk, row["amount"])
        row["own"] = context.own_on(row["occurred_at"])
        fresh.append(row)
    if not fresh:
        return counts, sorted(new_errors, key=lambda e: e["row"]), []
    by_owner = _accounts_locked(context, fresh)
    accounts = {account.pk: account for account in by_owner.values()}
    qualifying = _qualifying_points(context, [a for a in accounts.values() if a.merchant_id is None], now=now)
    lowest = context.ladder[0] if context.ladder else None
    tiers = {tier.pk: tier for tier in context.ladder}
    tier_now = {pk: account.tier_id for pk, account in accounts.items() if account.merchant_id is None}
    balance = {pk: account.balance for pk, account in accounts.items()}
    earned_sum = {}
    description = _("Purchase at %(m)s") % {"m": merchant.name}
    transactions, entries, ledger_rows, tier_changes = [], [], [], []
    for row in fresh:
        customer = row["customer"]
        account = by_owner[(customer.pk, merchant.pk if row["own"] else None)]
        if row["own"]:
            multiplier = Decimal("1")
            program = context.program
            earned = 0 if row["amount"] < program.min_spend else points_floor(row["amount"] * program.points_per_unit)
        else:
            tier = tiers.get(tier_now[account.pk]) or lowest
            multiplier = tier.multiplier if tier else Decimal("1")
            earned = network_points_for(row["amount"], multiplier)
        tx = PosTransaction(
            merchant=merchant,
            customer=customer,
            account=account,
            external_id=row["external_id"],
            source=PosTransaction.Source.IMPORT,
            currency=merchant.currency,
            amount=row["amount"],
            occurred_at=row["occurred_at"],
            metadata={},
            points_earned=max(earned, 0),
        )
        transactions.append(tx)
        if earned > 0:
            balance[account.pk] += earned
            earned_sum[account.pk] = earned_sum.get(account.pk, 0) + earned
            if not row["own"]:
                qualifying[account.pk] = qualifying.get(account.pk, 0) + earned
                tier = tier_for_points(qualifying[account.pk], context.ladder)
                if (tier.pk if tier else None) != tier_now[account.pk]:
                    tier_changes.append((account, tiers.get(tier_now[account.pk]), tier, qualifying[account.pk]))
                    tier_now[account.pk] = tier.pk if tier else None
            entry = LedgerEntry(
                account=account,
                kind=Kind.EARNED,
                points=earned,
                balance_after=balance[account.pk],
                multiplier=multiplier,
                source="pos",
                reference=f"{merchant.pk}:{row['external_id']}",
                description=description[:255],
                merchant=merchant,
                amount=row["amount"],
                data={},
                created_by=None,
                actor_label=context.actor[:255],
            )
            entries.append(entry)
            ledger_rows.append((tx, entry, account))
    PosTransaction.objects.bulk_create(transactions)
    PosTransactionLine.objects.bulk_create(
        [
            PosTransactionLine(transaction=tx, **line)
            for tx, row in zip(transactions, fresh, strict=True)
            for line in row["lines"]
        ]
    )
    LedgerEntry.objects.bulk_create(entries)
    PointLot.objects.bulk_create(
        [
            PointLot(
                account=account,
                entry=entry,
                points=entry.points,
                remaining=entry.points,
                expires_at=now + relativedelta(months=_expiry_months(context, account)),
            )
            for _tx, entry, account in ledger_rows
        ]
    )
    _accounts_move(accounts, earned_sum, qualifying, tier_now, now=now)
    _tier_changes_log(tier_changes)
    _webhooks_queue(context, ledger_rows)
    if context.promos:
        for tx in transactions:
            promos_issue(pos_transaction=tx)
    _audit(context, transactions)
    counts["created"] += len(transactions)
    customers = list({row["customer"].pk: row["customer"] for row in fresh}.values())
    return counts, sorted(new_errors, key=lambda e: e["row"]), customers


def _accounts_move(accounts, earned_sum, qualifying, tier_now, *, now):
    """One UPDATE for the chunk, joined to a VALUES list: each account's balance and
    lifetime earnings move by its summed earnings; a coalition account's qualifying
    points and tier are set to where its last row left them."""
    if not earned_sum:
        return
    values, params = [], []
    for pk, earned in sorted(earned_sum.items()):
        changed = pk in qualifying and tier_now[pk] != accounts[pk].tier_id
        values.append("(%s, %s, %s, %s, %s)")
        params += [pk, earned, qualifying.get(pk, -1), (tier_now[pk] or 0) if changed else 0, int(changed)]
    table = connection.ops.quote_name(Account._meta.db_table)
    sql = (
        f"UPDATE {table} SET balance = {table}.balance + v.column2,"
        f" lifetime_earned = {table}.lifetime_earned + v.column2,"
        f" tier_points = CASE WHEN v.column3 >= 0 THEN v.column3 ELSE {table}.tier_points END,"
        " tier_id = CASE WHEN v.column5 = 1 THEN NULLIF(v.column4, 0) ELSE"
        f" {table}.tier_id END,"
        f" tier_changed_at = CASE WHEN v.column5 = 1 THEN %s ELSE {table}.tier_changed_at END,"
        " last_activity_at = %s, updated_at = %s"
        f" FROM (VALUES {', '.join(values)}) AS v WHERE {table}.id = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, now, *params])


def _expiry_months(context, account) -> int:
    if account.merchant_id and context.program is not None and context.program.expiry_months:
        return context.program.expiry_months
    return context.coalition_months


def _accounts_locked(context, rows) -> dict:
    """The chunk's accounts by (customer id, merchant id or None), created where missing
    and locked in pk order."""
    merchant_id = context.merchant.pk
    wanted = {(row["customer"].pk, merchant_id if row["own"] else None) for row in rows}
    Account.objects.bulk_create(
        [
            Account(customer_id=customer_id, merchant_id=m_id)
            for customer_id, m_id in sorted(wanted, key=lambda key: (key[0], key[1] or 0))
        ],
        ignore_conflicts=True,
    )
    query = Q()
    customer_ids = {customer_id for customer_id, _m in wanted}
    if any(m_id is None for _c, m_id in wanted):
        query |= Q(customer_id__in=customer_ids, merchant__isnull=True)
    if any(m_id is not None for _c, m_id in wanted):
        query |= Q(customer_id__in=customer_ids, merchant_id=merchant_id)
    customers = {row["customer"].pk: row["customer"] for row in rows}
    found = {}
    for account in Account.objects.select_for_update().filter(query).order_by("pk"):
        if (account.customer_id, account.merchant_id) in wanted:
            account.customer = customers[account.customer_id]
            found[(account.customer_id, account.merchant_id)] = account
    return found


def _qualifying_points(context, accounts, *, now) -> dict:
    if not accounts:
        return {}
    since = now - relativedelta(months=context.tier_window_months)
    totals = (
        LedgerEntry.objects.filter(account__in=[a.pk for a in accounts], created_at__gte=since)
        .filter(Q(kind__in=[Kind.EARNED, Kind.BONUS]) | Q(kind=Kind.REVERSED, source="refund"))
        .values("account_id")
        .annotate(s=Sum("points"))
    )
    found = {t["account_id"]: max(t["s"] or 0, 0) for t in totals}
    return {a.pk: found.get(a.pk, 0) for a in accounts}


def _tier_changes_log(tier_changes):
    """Each tier change as ``tier_recalculate`` logs it after a single sale."""
    if not tier_changes:
        return
    TierChange.objects.bulk_create(
        [
            TierChange(
                account=account,
                from_tier=old,
                to_tier=new,
                qualifying_points=points,
                is_upgrade=(new.min_points if new else -1) > (old.min_points if old else -1),
            )
            for account, old, new, points in tier_changes
        ]
    )
    content_type = ContentType.objects.get_for_model(Account, for_concrete_model=False)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor_label=actor_label(None),
                action="loyalty.tier.upgraded"
                if (new.min_points if new else -1) > (old.min_points if old else -1)
                else "loyalty.tier.downgraded",
                source=AuditEntry.Source.SERVICE,
                before={"tier": old.code if old else None},
                after={"tier": new.code if new else None},
                data={"qualifying_points": points},
                content_type=content_type,
                object_id=str(account.pk),
                object_repr=str(account)[:255],
            )
            for account, old, new, points in tier_changes
        ]
    )


def _webhooks_queue(context, ledger_rows):
    """One ``points.awarded`` delivery per earning row, as ``webhook_queue`` records it."""
    if not context.webhook_url:
        return
    merchant = context.merchant
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                merchant=merchant,
                event="points.awarded",
                event_id=f"points.awarded:{tx.pk}",
                url=context.webhook_url,
                payload={
                    "event": "points.awarded",
                    "id": f"points.awarded:{tx.pk}",
                    "merchant": merchant.code,
                    "data": {
                        "external_id": tx.external_id,
                        "customer_code": tx.customer.customer_code,
                        "points": entry.points,
                        "balance": entry.balance_after,
                    },
                },
            )
            for tx, entry, _account in ledger_rows
        ]
    )
    from ..tasks import loyalty_webhook_deliver

    for delivery in deliveries:
        loyalty_webhook_deliver.delay_on_commit(delivery.pk)


def _audit(context, transactions):
    """The ``loyalty.transaction.recorded`` entry of each transaction, in one insert."""
    content_type = ContentType.objects.get_for_model(PosTransaction, for_concrete_model=False)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor_id=None,
                actor_label=actor_label(context.actor),
                action="loyalty.transaction.recorded",
                source=AuditEntry.Source.SERVICE,
                data={"amount": str(tx.amount), "earned": tx.points_earned, "redeemed": 0},
                content_type=content_type,
                object_id=str(tx.pk),
                object_repr=str(tx)[:255],
            )
            for tx in transactions
        ]
    )


def _progress(batch, processed, counts, errors):
    ImportBatch.objects.filter(pk=batch.pk).update(
        processed_rows=processed,
        created_count=F("created_count") + counts["created"],
        duplicate_count=F("duplicate_count") + counts["duplicate"],
        error_count=F("error_count") + counts["error"],
        errors=errors,
        updated_at=timezone.now(),
    )


def csv_rows(text: str) -> list[dict]:
    """Rows of a CSV upload: columns external_id, customer_code or phone, amount,
    occurred_at (lines are not part of the CSV format)."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text))
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
