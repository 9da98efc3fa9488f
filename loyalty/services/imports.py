"""CRM imports: a merchant pushes a batch of past transactions.

Semantics: the batch's *shape* is checked first (a list of at most ``MAX_ROWS`` objects);
a malformed batch is refused and writes nothing. Then each row is imported on its own and
all-or-nothing (transaction, lines and points commit together or not at all), and
idempotently by ``external_id``: a row already imported is counted as a duplicate and
left alone, so a batch can be re-sent or a killed run restarted safely. Rows that fail
are reported with their index, a machine code and a message; no row is ever half there.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from skypark.accounts.models import User
from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

from ..models import ImportBatch, PosTransaction
from .partner import pos_transaction_record

MAX_ROWS = 10_000
PROGRESS_EVERY = 50


class InvalidBatch(DomainError):
    code = "invalid_batch"
    default_message = _("The batch must be a list of transaction objects.")


class RowError(Exception):
    def __init__(self, code, message):
        self.code, self.message = code, message


def _row_parse(row) -> dict:
    if not isinstance(row, dict):
        raise RowError("invalid_row", _("A row must be an object."))
    external_id = str(row.get("external_id") or "").strip()
    if not external_id or len(external_id) > 100:
        raise RowError("invalid_external_id", _("external_id is required (at most 100 characters)."))
    code = str(row.get("customer_code") or "").strip().upper()
    phone = str(row.get("phone") or "").strip()
    customer = None
    if code:
        customer = User.objects.filter(customer_code=code).first()
    elif phone:
        customer = User.objects.filter(phone=phone).first()
    if customer is None:
        raise RowError("customer_not_found", _("No customer with this customer_code or phone."))
    try:
        amount = Decimal(str(row.get("amount")))
    except (InvalidOperation, ValueError):
        raise RowError("invalid_amount", _("amount must be a number."))
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
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
        "lines": lines,
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
    """Imports the rows of a batch from where it stopped (``processed_rows``), saving
    progress every ``PROGRESS_EVERY`` rows. Safe to re-run: finished batches are left as
    they are, and rows already imported are duplicates by external id."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("merchant").get(pk=batch_id)
        if batch.status == ImportBatch.Status.DONE:
            return batch
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    merchant = batch.merchant
    counts = {"created": 0, "duplicate": 0, "error": 0}
    errors = list(batch.errors)
    done_indexes = {e["row"] for e in errors}
    start = batch.processed_rows
    for index in range(start, batch.total_rows):
        if index in done_indexes:
            continue
        try:
            parsed = _row_parse(batch.rows[index])
            _tx, created = pos_transaction_record(
                merchant=merchant,
                source=PosTransaction.Source.IMPORT,
                actor=f"import:{batch.pk}",
                **parsed,
            )
            counts["created" if created else "duplicate"] += 1
        except RowError as exc:
            errors.append({"row": index, "code": exc.code, "message": str(exc.message)})
            counts["error"] += 1
        except DomainError as exc:
            errors.append({"row": index, "code": exc.code, "message": exc.message})
            counts["error"] += 1
        processed = index + 1
        if processed % PROGRESS_EVERY == 0 or processed == batch.total_rows:
            _progress(batch, processed, counts, errors)
            counts = {"created": 0, "duplicate": 0, "error": 0}
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
