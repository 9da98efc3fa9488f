"""Lost-device protection: scans a device made after its pack expired are stored refused
(``pack_expired``), never dropped and never counted as admissions or in occupancy."""

import datetime
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from skypark.eventlog.models import DomainEvent
from skypark.parks.gates import devices, merge, packs
from skypark.parks.gates.clock import ms_to_datetime, now_ms
from skypark.parks.models import GatePackWindow, GateScan, ParkVisit

from .gate_helpers import FakeGate

pytestmark = pytest.mark.django_db
HOUR_MS = 3_600_000


@pytest.fixture
def today_tickets(buy, pay):
    def _make(n=1):
        return [pay(buy(day=timezone.localdate())) for _ in range(n)]

    return _make


def upload(gate, events):
    return merge.scans_upload(device=gate.device, batch_id=uuid.uuid4(), events=list(events))


def test_scans_after_the_pack_expired_are_stored_refused(park, staff_user, today_tickets):
    device = devices.device_register(park=park, name="lost", staff=staff_user)[0]
    start = now_ms() - 8 * HOUR_MS  # the pack (6 hours) was downloaded 8 hours ago
    gate = FakeGate(device, start_ms=start)
    kept, late = today_tickets(2)
    inside = gate.scan(kept, at_ms=start + HOUR_MS)
    after = gate.scan(late, at_ms=now_ms() - 60_000)
    result = upload(gate, [inside, after])
    assert (result.stored, result.pack_expired) == (2, 1)
    refused = GateScan.objects.get(event_id=after["event_id"])
    assert (refused.admitted, refused.reason, refused.role) == (False, "pack_expired", "refusal")
    assert GateScan.objects.get(event_id=inside["event_id"]).role == "admission"
    assert list(ParkVisit.objects.values_list("ticket_id", flat=True)) == [kept.pk]
    late.refresh_from_db()
    assert late.visits_used == 0
    event = DomainEvent.objects.get(aggregate_id=str(late.pk), event_type="gate.refusal")
    assert event.data["reason"] == "pack_expired" and event.data["device_admitted"] is True
    park.refresh_from_db()
    assert park.current_occupancy == kept.visitors
    again = upload(gate, [inside, after])  # uploaded again: the same verdict, nothing new
    assert (again.stored, again.duplicates, again.pack_expired) == (0, 2, 1)


def test_a_device_that_never_had_a_pack_admits_nobody(park, staff_user, today_tickets):
    device = devices.device_register(park=park, name="no pack", staff=staff_user)[0]
    gate = FakeGate(device, pack=False)
    (ticket,) = today_tickets(1)
    result = upload(gate, [gate.scan(ticket, at_ms=now_ms() - 1000), gate.scan(ticket, kind="exit")])
    assert result.pack_expired == 2 and result.stored == 2
    assert set(GateScan.objects.values_list("reason", flat=True)) == {"pack_expired"}
    assert not ParkVisit.objects.exists()


def test_a_refreshed_pack_stretches_its_window_and_a_late_one_opens_another(park, staff_user):
    device = devices.device_register(park=park, name="g", staff=staff_user)[0]
    t0 = timezone.now() - datetime.timedelta(hours=20)
    packs.pack_window_record(device=device, now=t0)
    packs.pack_window_record(device=device, now=t0 + datetime.timedelta(hours=5))  # refreshed while valid
    packs.pack_window_record(device=device, now=t0 + datetime.timedelta(hours=13))  # after a gap
    windows = packs.pack_windows(device=device, since=t0)
    assert [(o - t0, e - t0) for o, e in windows] == [
        (datetime.timedelta(0), datetime.timedelta(hours=11)),
        (datetime.timedelta(hours=13), datetime.timedelta(hours=19)),
    ]
    assert packs.pack_held(windows, t0 + datetime.timedelta(hours=10))
    assert not packs.pack_held(windows, t0 + datetime.timedelta(hours=12))
    assert GatePackWindow.objects.filter(device=device).count() == 2


def test_downloading_a_pack_through_the_api_opens_a_window(park, staff_user):
    device, token = devices.device_register(park=park, name="g", staff=staff_user)
    answer = APIClient().get("/api/v1/parks/gate/pack/", HTTP_AUTHORIZATION=f"Device {token}")
    assert answer.status_code == 200
    window = GatePackWindow.objects.get(device=device)
    assert window.expires_at - window.opened_at == packs.PACK_TTL
    assert packs.pack_held([(window.opened_at, window.expires_at)], ms_to_datetime(now_ms()))
