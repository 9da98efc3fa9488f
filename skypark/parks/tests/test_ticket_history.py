"""The tickets' stream in the event store: written with each change or not at all, and
enough to rebuild the ticket."""

import datetime

import pytest
from django.utils import timezone

from skypark.eventlog.models import DomainEvent
from skypark.parks import history
from skypark.parks import services as park_services
from skypark.parks.models import Ticket

pytestmark = pytest.mark.django_db


def test_replaying_a_tickets_events_rebuilds_its_state(buy, pay, park, django_capture_on_commit_callbacks):
    ticket = pay(buy(day=timezone.localdate()))
    result = park_services.ticket_admit(code=ticket.qr_code, park=park, gate="north")
    park_services.visit_exit(visit=result.visit)
    ticket.refresh_from_db()
    events = list(DomainEvent.objects.filter(aggregate_id=str(ticket.pk)).order_by("version"))
    assert [e.event_type for e in events] == ["ticket.created", "ticket.activated", "ticket.admitted", "ticket.exited"]
    assert [e.version for e in events] == [1, 2, 3, 4]
    assert events[2].park_id == park.pk and events[2].data["gate"] == "north"
    assert history.ticket_replay(ticket.pk) == history.ticket_state(ticket)


def test_a_refused_admission_writes_no_event(buy, pay, park):
    ticket = pay(buy(day=timezone.localdate()))
    before = DomainEvent.objects.count()
    assert park_services.ticket_admit(code=ticket.backup_code, park=park).admitted
    assert not park_services.ticket_admit(code=ticket.backup_code, park=park).admitted
    assert DomainEvent.objects.count() == before + 1


def test_a_full_park_rolls_the_admission_event_back(buy, pay, park):
    ticket = pay(buy(day=timezone.localdate()))
    type(park).objects.filter(pk=park.pk).update(current_occupancy=park.capacity)
    before = DomainEvent.objects.count()
    assert park_services.ticket_admit(code=ticket.qr_code, park=park).reason == "park_full"
    assert DomainEvent.objects.count() == before
    assert history.ticket_replay(ticket.pk) == history.ticket_state(Ticket.objects.get(pk=ticket.pk))


def test_expiry_sweep_writes_one_event_per_ticket(buy, pay, park):
    ticket = pay(buy(day=timezone.localdate()))
    assert park_services.tickets_expire(today=timezone.localdate() + datetime.timedelta(days=1)) == 1
    assert park_services.tickets_expire(today=timezone.localdate() + datetime.timedelta(days=1)) == 0
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.EXPIRED
    assert history.ticket_replay(ticket.pk)["status"] == "expired"
