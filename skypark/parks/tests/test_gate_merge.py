"""The merge of offline scans: idempotent uploads, first admission by clock wins, every
double entry kept with both scans, occupancy from the per-device counters, and every bad
upload refused whole."""

import datetime
import uuid

import pytest
from django.utils import timezone

from skypark.accounts.tests.factories import UserFactory
from skypark.eventlog.models import CrdtState, DomainEvent
from skypark.notify.models import Notification
from skypark.parks import history, services
from skypark.parks.gates import devices, merge
from skypark.parks.gates.clock import now_ms
from skypark.parks.gates.errors import BatchReplayed, ClockInFuture, DeviceRevoked, ScanInvalid
from skypark.parks.models import DoubleEntry, GateBatch, GateScan, Park, ParkVisit, Ticket

from .factories import ParkFactory
from .gate_helpers import FakeGate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("refold_engine")]


@pytest.fixture
def gates(park, staff_user):
    return [FakeGate(devices.device_register(park=park, name=f"gate {i}", staff=staff_user)[0]) for i in (1, 2)]


@pytest.fixture
def today_tickets(buy, pay):
    def _make(n=1, **kwargs):
        return [pay(buy(day=timezone.localdate(), **kwargs)) for _ in range(n)]

    return _make


def upload(gate, events, batch_id=None):
    return merge.scans_upload(device=gate.device, batch_id=batch_id or uuid.uuid4(), events=list(events))


def test_two_offline_gates_admit_one_ticket_once_and_report_the_second(
    gates, today_tickets, park, django_capture_on_commit_callbacks
):
    manager = UserFactory(is_staff=True, email="manager@example.com")
    from django.contrib.auth.models import Group

    manager.groups.add(Group.objects.get_or_create(name="Park managers")[0])
    a, b = gates
    (ticket,), others = today_tickets(1), today_tickets(2)
    t0 = now_ms() - 600_000
    first = a.scan(ticket, at_ms=t0 + 1000)
    second = b.scan(ticket, at_ms=t0 + 5000)
    extra = [a.scan(t, at_ms=t0 + 7000 + i) for i, t in enumerate(others)]
    with django_capture_on_commit_callbacks(execute=True):
        upload(b, [second])
        result = upload(a, [first, *extra])
    assert result.stored == 3
    ticket.refresh_from_db()
    assert (ticket.status, ticket.visits_used) == (Ticket.Status.USED, 1)
    double = DoubleEntry.objects.get()
    assert str(double.scan.event_id) == second["event_id"] and str(double.first_scan.event_id) == first["event_id"]
    assert double.scan.gate == "gate 2" and double.first_scan.gate == "gate 1"
    assert double.kind == "inside"
    roles = dict(GateScan.objects.values_list("event_id", "role"))
    assert roles[uuid.UUID(first["event_id"])] == "admission" and roles[uuid.UUID(second["event_id"])] == "double_entry"
    # every physical entry is a visit; occupancy counts them all
    assert ParkVisit.objects.filter(park=park).count() == 4
    park.refresh_from_db()
    assert park.current_occupancy == 4 == merge.occupancy_merge(park_id=park.pk, days=set(), today=timezone.localdate())
    assert Notification.objects.filter(recipient=manager, kind="parks.double_entry").exists()
    assert history.ticket_replay(ticket.pk) == history.ticket_state(ticket)


def test_exit_then_reentry_follows_the_park_setting(gates, today_tickets, park):
    a, b = gates
    (ticket,) = today_tickets(1)
    t0 = now_ms() - 600_000
    log = [a.scan(ticket, at_ms=t0), b.scan(ticket, kind="exit", at_ms=t0 + 1000), a.scan(ticket, at_ms=t0 + 2000)]
    upload(a, [log[0], log[2]])
    upload(b, [log[1]])
    assert DoubleEntry.objects.get().kind == "no_visits"
    Park.objects.filter(pk=park.pk).update(reentry_allowed=True)
    # the same scans merged again with re-entry allowed: a re-entry, not a double entry
    upload(a, [a.scan(ticket, kind="exit", at_ms=t0 + 3000)])
    assert not DoubleEntry.objects.exists()
    assert GateScan.objects.get(event_id=log[2]["event_id"]).role == "reentry"
    ticket.refresh_from_db()
    assert ticket.visits_used == 1 and ticket.exit_time is not None
    park.refresh_from_db()
    assert park.current_occupancy == 0


def test_a_late_earlier_scan_takes_the_admission_and_the_pair_is_kept(gates, today_tickets):
    a, b = gates
    (ticket,) = today_tickets(1)
    t0 = now_ms() - 600_000
    late_but_first = a.scan(ticket, at_ms=t0)
    upload(b, [b.scan(ticket, at_ms=t0 + 5000)])
    assert not DoubleEntry.objects.exists()
    upload(a, [late_but_first])
    double = DoubleEntry.objects.get()
    assert str(double.first_scan.event_id) == late_but_first["event_id"]
    assert GateScan.objects.get(event_id=late_but_first["event_id"]).role == "admission"


def test_online_admission_and_offline_scan_of_one_ticket_are_a_double_entry(gates, today_tickets, park):
    a, _b = gates
    (ticket,) = today_tickets(1)
    assert services.ticket_admit(code=ticket.qr_code, park=park, gate="online").admitted
    upload(a, [a.scan(ticket, at_ms=now_ms())])
    double = DoubleEntry.objects.get()
    assert double.first_scan.node == "server" and double.scan.node == a.device.node_id
    park.refresh_from_db()
    assert park.current_occupancy == 2


def test_a_repeated_batch_is_refused_and_repeated_scans_change_nothing(gates, today_tickets):
    a, _b = gates
    (ticket,) = today_tickets(1)
    scan = a.scan(ticket)
    batch_id = uuid.uuid4()
    upload(a, [scan], batch_id=batch_id)
    state = (GateScan.objects.count(), DomainEvent.objects.count(), ParkVisit.objects.count())
    with pytest.raises(BatchReplayed):
        upload(a, [scan], batch_id=batch_id)
    again = upload(a, [scan, scan])  # a new batch with the same scan twice
    assert (again.stored, again.duplicates) == (0, 2)
    assert (GateScan.objects.count(), ParkVisit.objects.count()) == state[::2]
    assert GateBatch.objects.count() == 2


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda e, t: {**e, "code": e["code"][:-5]}, "forged"),
        (lambda e, t: {**e, "code": e["code"][:30]}, "forged"),
        (lambda e, t: {**e, "code": e["code"].replace(e["code"].split(".")[1], "deadbeef", 1)}, "unknown_key"),
        (lambda e, t: {**e, "ticket_id": t.pk + 1000}, "unknown_ticket"),
        (lambda e, t: {**e, "hlc": "soon"}, "hlc"),
        (lambda e, t: {**e, "kind": "teleport"}, "kind"),
        (lambda e, t: {**e, "event_id": "x"}, "event_id"),
        (lambda e, t: "garbage", "not_an_object"),
        (lambda e, t: {**e, "code": "ZZZZZZZZ", "method": "manual"}, "forged"),
    ],
)
def test_bad_scans_refuse_the_whole_batch(gates, today_tickets, spoil, reason):
    a, _b = gates
    good, bad = today_tickets(2)
    events = [a.scan(good), spoil(a.scan(bad), bad)]
    with pytest.raises(ScanInvalid) as refused:
        upload(a, events)
    assert refused.value.details["reason"] == reason and refused.value.status_code == 400
    assert not GateScan.objects.exists() and not GateBatch.objects.exists()


def test_far_future_clock_wrong_park_and_revoked_device_are_refused(gates, today_tickets, staff_user):
    a, _b = gates
    (ticket,) = today_tickets(1)
    future = now_ms() + int(datetime.timedelta(hours=2).total_seconds() * 1000)
    with pytest.raises(ClockInFuture):
        upload(a, [a.scan(ticket, at_ms=future)])
    stranger = FakeGate(devices.device_register(park=ParkFactory(), name="elsewhere", staff=staff_user)[0])
    with pytest.raises(ScanInvalid) as refused:
        upload(stranger, [stranger.scan(ticket)])
    assert refused.value.details["reason"] == "ticket_wrong_park"
    devices.device_revoke(device=a.device, staff=staff_user)
    a.device.refresh_from_db()
    with pytest.raises(DeviceRevoked):
        upload(a, [a.scan(ticket)])
    assert not GateScan.objects.exists()


def test_occupancy_is_a_per_device_counter_and_never_negative(gates, today_tickets, park):
    a, b = gates
    tickets = today_tickets(3)
    t0 = now_ms() - 600_000
    upload(a, [a.scan(t, at_ms=t0 + i) for i, t in enumerate(tickets)])
    upload(b, [b.scan(t, kind="exit", at_ms=t0 + 100 + i) for i, t in enumerate(tickets)])
    upload(b, [b.scan(tickets[0], kind="exit", at_ms=t0 + 200)])  # an exit with nobody inside
    state = CrdtState.objects.get(pk=merge.occupancy_state_id(park.pk, timezone.localdate()))
    assert state.data["p"][a.device.node_id] == 3 and state.data["n"][b.device.node_id] == 4
    assert state.vector_clock and state.merge_strategy == "custom"
    park.refresh_from_db()
    assert park.current_occupancy == 0


def test_double_entries_show_in_the_admin_list_and_the_dashboard(gates, today_tickets, admin_client_logged):
    a, b = gates
    (ticket,) = today_tickets(1)
    upload(a, [a.scan(ticket, at_ms=now_ms() - 5000)])
    upload(b, [b.scan(ticket, at_ms=now_ms() - 1000)])
    listing = admin_client_logged.get("/admin/parks/doubleentry/")
    assert listing.status_code == 200
    assert "gate 1" in listing.content.decode() and "gate 2" in listing.content.decode()
    index = admin_client_logged.get("/admin/").content.decode()
    assert "/admin/parks/doubleentry/" in index
