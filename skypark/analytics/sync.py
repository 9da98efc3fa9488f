"""Sync: fact sources (``skypark.core.facts``) into the analytical store.

Incremental by watermark: each source's ``SyncState`` holds ``(changed_at, pk)`` of the
last row written; a run reads the rows changed after it, oldest first, in batches, and
moves the watermark after each batch, until a batch comes back short (caught up). A run
after downtime therefore catches up in one go. Each run starts ``OVERLAP`` before the
watermark, so a row whose transaction committed late with an earlier ``updated_at`` is
still picked up; re-writing a row is harmless, because every row carries its version (the
microseconds of ``changed_at``) and every query keeps the highest version per key.

On PostgreSQL a source that declares ``bulk`` is read with one ``COPY`` per batch
(``bulk.py``) instead of one Python dict per row; elsewhere, and for the other sources, row
by row.

One run per source at a time (a ``skip_locked`` row lock on its ``SyncState``); even two
overlapping runs would only write the same versions twice, which no figure counts twice.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from skypark.core.facts import fact_sources

from .bulk import bulk_available, bulk_batch
from .engines import get_engine
from .models import SyncState

logger = logging.getLogger(__name__)

BATCH = 5000
OVERLAP = timedelta(minutes=2)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _version(changed_at) -> int:
    """Microseconds since the epoch, exactly (as the bulk path's SQL computes it)."""
    return (changed_at - EPOCH) // timedelta(microseconds=1)


def _fact_row(row):
    fact = {k: v for k, v in row.items() if not k.startswith("_")}
    fact["version"] = _version(row["_changed_at"])
    fact["is_deleted"] = 1 if row.get("_deleted") else 0
    return fact


def source_sync(*, source, engine=None, batch=BATCH) -> int:
    """Writes the rows of one fact source changed since its watermark; returns how many.
    Locks the source's ``SyncState`` row (skipping when another run holds it)."""
    engine = engine or get_engine()
    SyncState.objects.get_or_create(source=source.name)
    written = 0
    with transaction.atomic():
        state = SyncState.objects.select_for_update(skip_locked=True).filter(source=source.name).first()
        if state is None:
            return 0
        after = None
        if state.watermark_at is not None:
            after = (state.watermark_at - OVERLAP, 0)
        bulk = bulk_available(source)
        while True:
            if bulk:
                arrow, last, count = bulk_batch(source, after, batch)
                if count:
                    engine.insert_arrow(source.table, arrow)
            else:
                rows = source.changes(after, batch)
                count = len(rows)
                if count:
                    engine.insert(source.table, [_fact_row(r) for r in rows])
                    last = (rows[-1]["_changed_at"], rows[-1]["_pk"])
            if count:
                written += count
                after = last
                if state.watermark_at is None or after[0] >= state.watermark_at:
                    state.watermark_at, state.watermark_pk = after
            if count < batch:
                break
        now = timezone.now()
        state.caught_up_at = now
        state.last_run_at = now
        state.rows_synced += written
        state.last_error = ""
        state.save()
    return written


def facts_sync(*, engine=None, batch=BATCH) -> dict:
    """Syncs every declared fact source; one failing source does not stop the others."""
    engine = engine or get_engine()
    counts = {}
    for name, source in sorted(fact_sources().items()):
        try:
            counts[name] = source_sync(source=source, engine=engine, batch=batch)
        except Exception as exc:
            logger.exception("analytics: sync of %s failed", name)
            SyncState.objects.filter(source=name).update(last_error=str(exc)[:2000], last_run_at=timezone.now())
            counts[name] = None
    engine.compact()
    return counts


def sync_lag() -> dict:
    """Seconds since each source last caught up (``None``: never synced)."""
    now = timezone.now()
    lags = {name: None for name in fact_sources()}
    for state in SyncState.objects.filter(source__in=list(lags)):
        lags[state.source] = (now - state.caught_up_at).total_seconds() if state.caught_up_at else None
    return lags


def lag_exceeded() -> list:
    """The sources whose lag passes ``ANALYTICS_LAG_BOUND`` seconds (a source that has
    never run is not counted: a fresh install has not reached its first beat yet)."""
    bound = settings.ANALYTICS_LAG_BOUND
    return sorted(name for name, lag in sync_lag().items() if lag is not None and lag > bound)
