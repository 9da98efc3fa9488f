"""The event store: versions per aggregate, append-only, written with the change or not
at all, partitions ahead on PostgreSQL, and a ticket rebuilt from its events."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from skypark.eventlog import crdt, services
from skypark.eventlog.models import AggregateStream, DomainEvent

pytestmark = pytest.mark.django_db


def _append(aggregate_id="1", **kwargs):
    with transaction.atomic():
        return services.event_append(
            aggregate_type="test.thing", aggregate_id=aggregate_id, event_type="thing.done", data={}, **kwargs
        )


def test_versions_count_per_aggregate():
    assert [_append("a").version, _append("a").version, _append("b").version, _append("a").version] == [1, 2, 1, 3]
    assert AggregateStream.objects.get(aggregate_id="a").version == 3


@pytest.mark.django_db(transaction=True)
def test_events_are_written_only_inside_a_transaction():
    with pytest.raises(RuntimeError):
        services.event_append(aggregate_type="t", aggregate_id="1", event_type="x", data={})
    assert not DomainEvent.objects.exists()


def test_events_are_append_only_except_the_sync_bookkeeping():
    event = _append()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert services.events_mark_synced(event_ids=[event.pk]) == 1
    event.refresh_from_db()
    assert (event.synced, event.sync_attempts) == (True, 1) and event.last_sync_attempt


def test_a_duplicate_version_is_refused_by_the_database():
    event = _append()
    with pytest.raises(IntegrityError), transaction.atomic():
        DomainEvent.objects.create(
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            event_type="x",
            version=event.version,
            created_at=event.created_at,
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger and partitions are PostgreSQL's")
def test_postgresql_refuses_rewrites_and_keeps_monthly_partitions():
    event = _append()
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE eventlog_domainevent SET event_type = 'rewritten' WHERE id = %s", [event.pk])
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM eventlog_domainevent WHERE id = %s", [event.pk])
    far = timezone.localdate().replace(day=1) + datetime.timedelta(days=400)
    created = services.partitions_ensure(months_ahead=0, today=far)
    assert created == [services.partition_name(far.replace(day=1))]
    assert services.partitions_ensure(months_ahead=0, today=far) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'eventlog_domainevent'::regclass")
        assert cursor.fetchone()[0] >= 5  # default + this month + 3 ahead + the far one


def test_partition_job_is_scheduled_once():
    first, second = services.schedules_install(), services.schedules_install()
    assert [p.pk for p in first] == [p.pk for p in second]
    assert first[0].task == "skypark.eventlog.tasks.eventlog_partitions_ensure"
    from skypark.eventlog.tasks import eventlog_partitions_ensure

    eventlog_partitions_ensure.apply()


def test_pn_counter_merge_is_commutative_associative_idempotent_and_never_negative():
    a, b, c = {"p": {"x": 3}, "n": {"x": 1}}, {"p": {"y": 2}, "n": {"x": 2}}, {"p": {"x": 1}, "n": {"z": 9}}
    assert crdt.pn_merge(a, b) == crdt.pn_merge(b, a)
    assert crdt.pn_merge(crdt.pn_merge(a, b), c) == crdt.pn_merge(a, crdt.pn_merge(b, c))
    assert crdt.pn_merge(a, a) == a
    assert crdt.pn_value(crdt.pn_merge(crdt.pn_merge(a, b), c)) == 0


def test_events_are_stored_as_given_every_field_exactly():
    import uuid

    at = datetime.datetime(2026, 12, 7, 10, 11, 12, 345678, tzinfo=datetime.UTC)
    data = {"when": at, "day": at.date(), "quote": 'it\'s "x"\n\\', "nested": {"n": [1, None, 2.5]}}
    correlation = uuid.uuid4()
    with transaction.atomic():
        stored = services.events_append(
            [
                services.event_new(
                    aggregate_type="test.thing",
                    aggregate_id=i,
                    event_type="thing.done",
                    data=data,
                    metadata={"i": i},
                    park_id=7,
                    correlation_id=correlation,
                    created_at=at,
                    synced=bool(i % 2),
                )
                for i in range(3)
            ]
        )
    rows = {e.pk: e for e in DomainEvent.objects.filter(aggregate_type="test.thing")}
    assert len(rows) == 3
    for event in stored:
        row = rows[event.pk]
        assert (row.created_at, row.correlation_id, row.park_id, row.synced, row.metadata, row.version) == (
            at,
            correlation,
            7,
            event.synced,
            event.metadata,
            1,
        )
        assert row.data == {
            "when": "2026-12-07T10:11:12.345Z",
            "day": "2026-12-07",
            **{k: data[k] for k in ("quote", "nested")},
        }
