"""Child–guardian pairing: the order holder names the adults who may collect the
children; at a park with pairing the gate records the adult at entry and lets the
children out only with a listed adult, online, in the pack and through the merge."""

import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from skypark.parks.gates import devices, guardians, merge, packs
from skypark.parks.gates.clock import now_ms
from skypark.parks.models import GateScan, Park, ParkVisit

from .gate_helpers import FakeGate

pytestmark = pytest.mark.django_db


@pytest.fixture
def paired_park(park):
    Park.objects.filter(pk=park.pk).update(guardian_pairing=True)
    park.refresh_from_db()
    return park


@pytest.fixture
def ticket(buy, pay, customer):
    type(customer).objects.filter(pk=customer.pk).update(name="Aida Kasymova")
    ticket = pay(buy(day=timezone.localdate()))
    return guardians.ticket_guardians_set(ticket=ticket, names=["Bakyt Osmonov"], by=customer)


@pytest.fixture
def staff(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def test_labels_are_first_name_and_initial():
    assert guardians.guardian_label("Aida  Kasymova") == "Aida K."
    assert guardians.guardian_label("Aida") == "Aida"
    assert guardians.guardian_label("  ") == ""
    assert guardians.guardians_listed(holder_name="Aida Kasymova", named=["Aida K.", "Bakyt O."]) == [
        "Aida K.",
        "Bakyt O.",
    ]


def test_the_order_holder_names_adults_through_the_api(customer_client, ticket, customer):
    answer = customer_client.put(
        f"/api/v1/parks/tickets/{ticket.pk}/guardians/", {"guardians": ["Cholpon Asanova", "Dan"]}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["guardians"] == ["Aida K.", "Cholpon A.", "Dan"]
    ticket.refresh_from_db()
    assert ticket.guardians == ["Cholpon A.", "Dan"]  # labels only, never the full name
    too_many = customer_client.put(
        f"/api/v1/parks/tickets/{ticket.pk}/guardians/", {"guardians": ["A B"] * 5}, format="json"
    )
    assert too_many.status_code == 400
    blank = customer_client.put(f"/api/v1/parks/tickets/{ticket.pk}/guardians/", {"guardians": [" "]}, format="json")
    assert blank.status_code == 400
    stranger = APIClient()
    stranger.force_authenticate(type(customer).objects.create_user("+996555123987", None, name="Other"))
    assert stranger.put(f"/api/v1/parks/tickets/{ticket.pk}/guardians/", {"guardians": []}).status_code == 404


def test_online_entry_records_the_adult_and_exit_needs_a_listed_one(staff, paired_park, ticket):
    gate = {"park": paired_park.slug, "code": ticket.qr_code, "gate": "north"}
    asked = staff.post("/api/v1/parks/gate/admit/", gate, format="json").json()
    assert (asked["admitted"], asked["reason"]) == (False, "guardian_required")
    assert asked["details"]["guardians"] == ["Aida K.", "Bakyt O."]
    admitted = staff.post("/api/v1/parks/gate/admit/", {**gate, "guardian": "Aida K."}, format="json").json()
    assert admitted["admitted"] is True
    assert GateScan.objects.get(kind="entry").guardian == "Aida K."
    refused = staff.post("/api/v1/parks/gate/exit/", {**gate, "guardian": "Stranger X."}, format="json").json()
    assert (refused["admitted"], refused["reason"]) == (False, "guardian_not_listed")
    logged = GateScan.objects.get(kind="exit", admitted=False)
    assert (logged.reason, logged.guardian, logged.role) == ("guardian_not_listed", "Stranger X.", "refusal")
    assert ParkVisit.objects.get().status == ParkVisit.Status.ACTIVE
    left = staff.post("/api/v1/parks/gate/exit/", {**gate, "guardian": "Bakyt O."}, format="json").json()
    assert left["admitted"] is True
    assert GateScan.objects.get(kind="exit", admitted=True).guardian == "Bakyt O."
    assert ParkVisit.objects.get().status == ParkVisit.Status.EXITED


def test_without_pairing_the_gate_asks_for_no_adult(staff, park, ticket):
    gate = {"park": park.slug, "code": ticket.qr_code}
    assert staff.post("/api/v1/parks/gate/admit/", gate, format="json").json()["admitted"] is True
    assert staff.post("/api/v1/parks/gate/exit/", gate, format="json").json()["admitted"] is True
    assert set(GateScan.objects.values_list("guardian", flat=True)) == {""}


def test_the_pack_lists_the_adults_only_at_a_paired_park(park, staff_user, ticket):
    device = devices.device_register(park=park, name="g", staff=staff_user)[0]
    plain = packs.pack_build(device=device)
    assert plain["park"]["guardian_pairing"] is False and plain["tickets"][0]["guardians"] == []
    Park.objects.filter(pk=park.pk).update(guardian_pairing=True)
    device.park.refresh_from_db()
    paired = packs.pack_build(device=device)
    assert paired["park"]["guardian_pairing"] is True
    assert paired["tickets"][0]["guardians"] == ["Aida K.", "Bakyt O."]
    assert "Kasymova" not in str(paired) and "Osmonov" not in str(paired)


def test_offline_pairing_merges_refused_exits_as_logged_refusals(paired_park, staff_user, ticket):
    gate = FakeGate(devices.device_register(park=paired_park, name="g", staff=staff_user)[0])
    t0 = now_ms() - 600_000
    entry = gate.scan(ticket, at_ms=t0, guardian="Aida K.")
    refused = gate.scan(
        ticket, kind="exit", admitted=False, at_ms=t0 + 1000, guardian="Stranger X.", reason="guardian_not_listed"
    )
    left = gate.scan(ticket, kind="exit", at_ms=t0 + 2000, guardian="Bakyt O.")
    for order in ([left, refused, entry], [entry, refused, left]):  # any order, any split
        for event in order:
            merge.scans_upload(device=gate.device, batch_id=uuid.uuid4(), events=[event])
    roles = {str(s.event_id): (s.role, s.guardian, s.reason) for s in GateScan.objects.all()}
    assert roles == {
        entry["event_id"]: ("admission", "Aida K.", ""),
        refused["event_id"]: ("refusal", "Stranger X.", "guardian_not_listed"),
        left["event_id"]: ("exit", "Bakyt O.", ""),
    }
    visit = ParkVisit.objects.get()
    assert visit.status == ParkVisit.Status.EXITED
    paired_park.refresh_from_db()
    assert paired_park.current_occupancy == 0
