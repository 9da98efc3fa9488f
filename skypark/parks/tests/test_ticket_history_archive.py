"""Old domain events move to the archive like the rest of the history: event for event,
never an unsynced one, and a ticket replays the same from both tables afterwards."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from skypark.core.archiving import archive_all
from skypark.eventlog.models import DomainEvent, DomainEventArchive
from skypark.parks import history
from skypark.parks import services as park_services

pytestmark = pytest.mark.django_db
LATER = timezone.now() + datetime.timedelta(days=1000)


def test_archiving_moves_synced_events_and_the_ticket_replays_the_same(buy, pay, park):
    ticket = pay(buy(day=timezone.localdate()))
    park_services.ticket_admit(code=ticket.qr_code, park=park, gate="north")
    ticket.refresh_from_db()
    replayed = history.ticket_replay(ticket.pk)
    assert replayed == history.ticket_state(ticket)
    events = {e.pk: e for e in DomainEvent.objects.all()}
    waiting = next(iter(events.values()))
    DomainEvent.objects.filter(pk=waiting.pk).update(synced=False)

    moved = archive_all(now=LATER, batch=2)

    assert moved["eventlog.DomainEventArchive"] == len(events) - 1
    assert list(DomainEvent.objects.values_list("pk", flat=True)) == [waiting.pk]
    archived = {a.pk: a for a in DomainEventArchive.objects.all()}
    assert set(archived) == set(events) - {waiting.pk}
    for pk, copy in archived.items():
        original = events[pk]
        assert (copy.aggregate_id, copy.version, copy.event_type, copy.data, copy.created_at) == (
            original.aggregate_id,
            original.version,
            original.event_type,
            original.data,
            original.created_at,
        )
    assert history.ticket_replay(ticket.pk) == replayed
    assert archive_all(now=LATER)["eventlog.DomainEventArchive"] == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's")
def test_the_database_deletes_only_archived_events_and_never_changes_the_archive(buy, pay):
    pay(buy(day=timezone.localdate()))
    event = DomainEvent.objects.order_by("created_at").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        DomainEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias)
    archive_all(now=LATER)
    copy = DomainEventArchive.objects.get(pk=event.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        DomainEventArchive.objects.filter(pk=copy.pk).update(event_type="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        DomainEventArchive.objects.filter(pk=copy.pk)._raw_delete(connection.alias)
    assert DomainEventArchive.objects.get(pk=copy.pk).event_type == event.event_type
