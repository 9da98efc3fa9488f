"""CRM imports: a merchant pushes a batch of past transactions.

Semantics: the batch's *shape* is checked first (a list of at most ``MAX_ROWS`` objects);
a malformed batch is refused and writes nothing. Then every row is validated in Python
(customers resolved for the whole batch at once, ``rows``) and the valid rows are
imported set-based, ``CHUNK_ROWS`` rows per database transaction with the batch's
progress (``chunks``): each row is all-or-nothing (transaction, lines and points commit
together or not at all), and idempotent by ``external_id``: a row already imported is
counted as a duplicate and left alone, so a batch can be re-sent or a killed run
restarted safely. Points follow the rules of a single sale (``pos_transaction_record``):
the same ledger entries, lots, tier changes, webhooks and audit entries. Rows that fail
are reported with their index, a machine code and a message; no row is ever half there.

On PostgreSQL a chunk's rows go in as one ``INSERT … SELECT … FROM unnest(…)`` per table
(``sql``), the transactions with ``ON CONFLICT (merchant_id, external_id) DO NOTHING``:
an external id that another run imported meanwhile is caught by the database, the chunk
rolls back and runs again, and that row is then a duplicate. Other databases (SQLite in
development) write the same values through ``bulk_create``.

A chunk holds its customers' accounts locked from after its transactions are in until
it commits (under a second for ``CHUNK_ROWS`` rows at the measured rate); a till's sale
for one of those customers waits that long.
"""

import gc
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

from ...models import ImportBatch, Referral
from ..earning import referral_reward
from . import sql
from .chunks import Context, chunk_run
from .rows import rows_parse

MAX_ROWS = 10_000
CHUNK_ROWS = 5_000


class InvalidBatch(DomainError):
    code = "invalid_batch"
    default_message = _("The batch must be a list of transaction objects.")


@transaction.atomic
def import_batch_create(*, merchant, rows, source="api", actor=None, test=False) -> ImportBatch:
    """Stores a batch and queues its import after commit. Refuses a malformed batch
    (``InvalidBatch``) before writing anything. A test batch (``test``, from a test API
    key) imports its rows as test transactions, row by row (``loyalty.services.modes``)."""
    if not isinstance(rows, list) or not rows or len(rows) > MAX_ROWS:
        raise InvalidBatch(details={"max_rows": MAX_ROWS})
    batch = ImportBatch.objects.create(
        merchant=merchant,
        rows=rows,
        total_rows=len(rows),
        source=source,
        is_test=test,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_log(
        actor=actor or f"merchant:{merchant.code}", action="loyalty.import.queued", obj=batch, data={"rows": len(rows)}
    )
    from ...tasks import loyalty_import_run

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
    with _gc_paused():
        parsed = rows_parse(batch.rows, [i for i in range(start, batch.total_rows) if i not in done_indexes])
        context = Context.load(batch)
        for chunk_start in range(start, batch.total_rows, CHUNK_ROWS):
            chunk_end = min(chunk_start + CHUNK_ROWS, batch.total_rows)
            chunk = [(index, parsed[index]) for index in range(chunk_start, chunk_end) if index in parsed]
            new_errors, customers = chunk_run(context, chunk, chunk_end, errors)
            errors += new_errors
            _referrals_reward(customers)
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.DONE, finished_at=timezone.now())
        batch.refresh_from_db(fields=_RESULT_FIELDS)
        audit_log(
            actor=f"import:{batch.pk}",
            action="loyalty.import.finished",
            obj=batch,
            data={"created": batch.created_count, "duplicates": batch.duplicate_count, "errors": batch.error_count},
        )
    return batch


# What the run changed on the batch (its rows, possibly megabytes, are left as loaded).
_RESULT_FIELDS = [
    "status",
    "processed_rows",
    "created_count",
    "duplicate_count",
    "error_count",
    "errors",
    "finished_at",
    "updated_at",
]


def _referrals_reward(customers):
    """The referral of each customer who just made a purchase, if one is pending: one
    query for the chunk's customers, then ``referral_reward`` for those."""
    if not customers:
        return
    pending = set(
        Referral.objects.filter(
            referred_id__in=sql.one_of(Referral._meta.get_field("referred"), [customer.pk for customer in customers]),
            status=Referral.Status.PENDING,
        ).values_list("referred_id", flat=True)
    )
    for customer in customers:
        if customer.pk in pending:
            referral_reward(referred=customer)


@contextmanager
def _gc_paused():
    """Python's cycle collector paused while a batch is imported. The import builds many
    containers that live for a chunk, so collections keep reaching the oldest
    generation, and each of those walks every object of the process (a Django process
    holds hundreds of thousands): nearly half the import's Python time. What the import
    builds is freed by reference counting; collection resumes when the batch is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def csv_rows(text: str) -> list[dict]:
    """Rows of a CSV upload: columns external_id, customer_code or phone, amount,
    occurred_at (lines are not part of the CSV format)."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text))
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
