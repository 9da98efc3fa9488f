"""Writing the domain event store. ``event_append`` runs inside the caller's transaction,
so an event commits or rolls back with the state change it describes; it refuses to run
outside one."""

import datetime
import uuid
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from skypark.audit.services import actor_label, mask
from skypark.core.bulk import rows_insert

from .models import AggregateStream, DomainEvent

STREAM = AggregateStream._meta.db_table
CHUNK = 1000


def _versions_take(counts: dict) -> dict:
    """Reserves ``counts[(aggregate_type, aggregate_id)]`` versions for each aggregate;
    returns the last version of each. One upsert per thousand aggregates, in a fixed
    order; it holds the stream rows' locks until commit, so concurrent appenders to one
    aggregate get consecutive, distinct versions."""
    keys = sorted(counts)
    last = {}
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params = [p for key in chunk for p in (*key, counts[key])]
            cursor.execute(
                f'INSERT INTO "{STREAM}" (aggregate_type, aggregate_id, version) VALUES {values} '
                f'ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET version = "{STREAM}".version + '
                "EXCLUDED.version RETURNING aggregate_type, aggregate_id, version",
                params,
            )
            last.update({(t, i): v for t, i, v in cursor.fetchall()})
    return last


def _require_transaction():
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Domain events are written inside the transaction of the change they describe.")


def event_new(
    *,
    aggregate_type: str,
    aggregate_id,
    event_type: str,
    data: dict,
    metadata: dict | None = None,
    park_id: int | None = None,
    actor=None,
    correlation_id: uuid.UUID | None = None,
    causation_id: uuid.UUID | None = None,
    synced: bool = True,
    created_at: datetime.datetime | None = None,
) -> DomainEvent:
    """An unsaved event (no version yet); ``events_append`` stores a list of them."""
    return DomainEvent(
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        event_type=event_type,
        data=mask(data),
        metadata=metadata or {},
        park_id=park_id,
        created_by=actor_label(actor)[:255],
        correlation_id=correlation_id,
        causation_id=causation_id,
        synced=synced,
        created_at=created_at or timezone.now(),
    )


def events_append(events: list[DomainEvent]) -> list[DomainEvent]:
    """Stores ``events`` (from ``event_new``) with the next versions of their aggregates,
    in list order per aggregate: one upsert for the versions and one INSERT for all."""
    _require_transaction()
    per_aggregate = defaultdict(list)
    for event in events:
        per_aggregate[(event.aggregate_type, event.aggregate_id)].append(event)
    last = _versions_take({key: len(group) for key, group in per_aggregate.items()})
    for key, group in per_aggregate.items():
        for offset, event in enumerate(group):
            event.version = last[key] - len(group) + 1 + offset
    _events_insert(events)
    return events


def _events_insert(events):
    """One statement per two thousand events on PostgreSQL (``core.bulk``);
    ``bulk_create`` elsewhere."""
    if connection.vendor != "postgresql":
        DomainEvent.objects.bulk_create(events)
        return
    rows_insert(DomainEvent, events, DomainEvent._meta.concrete_fields)
    for event in events:
        event._state.adding, event._state.db = False, "default"


def event_append(**kwargs) -> DomainEvent:
    """Appends one event to its aggregate's stream (see ``event_new`` for the fields)."""
    return events_append([event_new(**kwargs)])[0]


def events_mark_synced(*, event_ids, now=None) -> int:
    """The sync bookkeeping, the only columns of an event that ever change: ``synced``
    set, one more attempt counted."""
    now = now or timezone.now()
    return DomainEvent.objects.filter(pk__in=list(event_ids)).update(
        synced=True, sync_attempts=F("sync_attempts") + 1, last_sync_attempt=now
    )


# --- partitions -------------------------------------------------------------------------


def _month_start(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def partition_name(month: datetime.date) -> str:
    return f"{DomainEvent._meta.db_table}_y{month:%Y}m{month:%m}"


def partitions_ensure(*, months_ahead: int = 3, today=None) -> list[str]:
    """Creates the monthly partitions of the event table from this month to
    ``months_ahead`` months ahead, those missing only (PostgreSQL; nothing elsewhere).
    Rows of a month with no partition land in the default partition, so a late job loses
    nothing. Returns the names created."""
    if connection.vendor != "postgresql":
        return []
    today = today or timezone.localdate()
    table = DomainEvent._meta.db_table
    created = []
    with connection.cursor() as cursor:
        for i in range(months_ahead + 1):
            start, end = _month_start(today, i), _month_start(today, i + 1)
            name = partition_name(start)
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:
                continue
            cursor.execute(
                f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{table}" '
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
            created.append(name)
    return created


def schedules_install() -> list:
    """Registers the daily partition job with django-celery-beat. Idempotent."""
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="20", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    periodic, _created = PeriodicTask.objects.get_or_create(
        name="Domain events: create next months' partitions",
        defaults={"task": "skypark.eventlog.tasks.eventlog_partitions_ensure", "crontab": crontab, "enabled": True},
    )
    return [periodic]


def crdt_pn_merge(*, state_id: str, node_id: str, state: dict) -> dict:
    """Merges a PN-counter ``state`` into the stored one (created empty), under the row's
    lock; returns the merged state."""
    from . import crdt
    from .models import CrdtState

    _require_transaction()
    row, _created = CrdtState.objects.select_for_update().get_or_create(
        pk=state_id,
        defaults={"node_id": node_id, "data": crdt.pn_empty(), "data_type": "pn_counter", "merge_strategy": "custom"},
    )
    merged = crdt.pn_merge(row.data, state)
    if merged != row.data:
        row.data = merged
        row.vector_clock = crdt.vector_clock(merged)
        row.node_id = node_id
        row.save(update_fields=["data", "vector_clock", "node_id", "updated_at"])
    return merged
