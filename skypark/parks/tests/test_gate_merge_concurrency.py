"""Gate uploads racing against a real PostgreSQL: overlapping tickets from many gates,
the same scans uploaded twice at once, and one device's batches at once — no deadlock,
no scan lost or stored twice, one admission per ticket, occupancy right."""

import uuid

import pytest
from django.db import connection
from django.utils import timezone

from skypark.core.testing import run_together
from skypark.parks.gates import devices, merge, packs, refold, signing
from skypark.parks.gates.clock import ms_to_datetime, now_ms
from skypark.parks.models import DoubleEntry, GateScan, Park, ParkVisit

from .gate_helpers import FakeGate

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
GATES = 6


def _tickets(park, n):
    from decimal import Decimal

    from skypark.accounts.tests.factories import UserFactory
    from skypark.parks.models import Ticket

    owner = UserFactory()
    tickets = []
    for _ in range(n):
        ticket = Ticket.objects.create(
            customer=owner,
            park=park,
            visit_date=timezone.localdate(),
            price=Decimal("500.00"),
            status=Ticket.Status.ACTIVE,
            children_data=[{"name": "Kid", "age": 5}],
        )
        ticket.qr_code = signing.ticket_code_sign(ticket)
        ticket.save(update_fields=["qr_code"])
        tickets.append(ticket)
    return tickets


def _upload(device, events):
    return lambda: merge.scans_upload(device=device, batch_id=uuid.uuid4(), events=events)


def test_gates_uploading_overlapping_tickets_at_once_agree(park, staff_user):
    tickets = _tickets(park, 8)
    gates = [FakeGate(devices.device_register(park=park, name=f"g{i}", staff=staff_user)[0]) for i in range(GATES)]
    t0 = now_ms() - 600_000
    batches = []
    for g, gate in enumerate(gates):
        # every gate admits every ticket, in its own order; the second half repeats the first
        order = tickets[g % len(tickets) :] + tickets[: g % len(tickets)]
        events = [gate.scan(t, at_ms=t0 + g * 7 + i * 50) for i, t in enumerate(order)]
        batches += [(gate.device, events), (gate.device, events)]  # each batch twice, at once
    results, errors = run_together([_upload(device, events) for device, events in batches])
    assert not errors, {str(e)[:200] for e in errors}
    assert GateScan.objects.count() == GATES * len(tickets)  # nothing lost, nothing twice
    assert sum(r.stored for r in results) == GATES * len(tickets)
    assert set(GateScan.objects.values_list("role", flat=True)) == {"admission", "double_entry"}
    assert GateScan.objects.filter(role="admission").count() == len(tickets)
    assert DoubleEntry.objects.count() == (GATES - 1) * len(tickets)
    assert ParkVisit.objects.count() == GATES * len(tickets)
    assert refold.occupancy_get(park_id=park.pk, day=timezone.localdate()) == GATES * len(tickets)
    assert Park.objects.get(pk=park.pk).current_occupancy == min(GATES * len(tickets), park.capacity)


def test_one_devices_batches_at_once_are_all_counted(park, staff_user):
    tickets = _tickets(park, 8)
    device = devices.device_register(park=park, name="g", staff=staff_user)[0]
    packs.pack_window_record(device=device, now=ms_to_datetime(now_ms() - 3_600_000))
    gate = FakeGate(device, pack=False)
    t0 = now_ms() - 600_000
    batches = [[gate.scan(t, at_ms=t0 + i)] for i, t in enumerate(tickets)]
    _results, errors = run_together([_upload(device, events) for events in batches])
    assert not errors, {str(e)[:200] for e in errors}
    assert refold.occupancy_get(park_id=park.pk, day=timezone.localdate()) == len(tickets)
