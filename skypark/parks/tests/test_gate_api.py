"""The gate devices' API: registering and revoking devices, the pack (what it holds and
what it does not, expiry, wiping), and uploads with their refusals as 4xx JSON."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from skypark.parks.gates import packs
from skypark.parks.models import GateDevice, GateScan

from .factories import ParkFactory
from .gate_helpers import FakeGate

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


@pytest.fixture
def device(staff_api, park):
    body = staff_api.post("/api/v1/parks/gate/devices/", {"park": park.slug, "name": "north"}, format="json").json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {body['token']}")
    client.device = GateDevice.objects.get(pk=body["id"])
    return client


def test_staff_register_a_device_and_only_its_hash_is_kept(staff_api, park, device):
    stored = device.device
    assert stored.park == park and len(stored.token_hash) == 64
    anonymous = APIClient().post("/api/v1/parks/gate/devices/", {"park": park.slug, "name": "x"}, format="json")
    assert anonymous.status_code in (401, 403)


def test_pack_holds_what_the_gate_needs_and_no_personal_data(device, buy, pay, park, customer):
    today = timezone.localdate()
    ticket = pay(buy(day=today))
    refunded = pay(buy(day=today))
    type(refunded).objects.filter(pk=refunded.pk).update(status="refunded")
    other_day = pay(buy(day=today + datetime.timedelta(days=1)))
    response = device.get("/api/v1/parks/gate/pack/")
    assert response.status_code == 200
    pack = response.json()
    assert [t["id"] for t in pack["tickets"]] == [ticket.pk] and pack["revoked"] == [refunded.pk]
    assert other_day.pk not in {t["id"] for t in pack["tickets"]}
    row = pack["tickets"][0]
    assert row["visitors"] == 1 and row["visits_allowed"] == 1 and row["status"] == "active"
    assert row["backup"] == packs.backup_hash(pack["salt"], ticket.backup_code)
    assert pack["keys"] and pack["keys"][0]["public_key"]
    text = json.dumps(pack)
    for secret in (ticket.backup_code, ticket.qr_code, customer.phone, ticket.children_data[0]["name"]):
        assert secret not in text
    expires = datetime.datetime.fromisoformat(pack["expires_at"])
    assert datetime.timedelta(hours=5) < expires - timezone.now() <= packs.PACK_TTL


def test_a_revoked_device_gets_no_pack_is_told_to_wipe_and_cannot_upload(device, staff_api, active_ticket):
    assert staff_api.post(f"/api/v1/parks/gate/devices/{device.device.pk}/revoke/").status_code == 200
    refused = device.get("/api/v1/parks/gate/pack/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "device_revoked"
    gate = FakeGate(device.device)
    upload = device.post(
        "/api/v1/parks/gate/scans/",
        {"batch_id": str(uuid.uuid4()), "events": [gate.scan(active_ticket)]},
        format="json",
    )
    assert upload.status_code == 403 and not GateScan.objects.exists()


def test_upload_through_the_api_with_replay_and_refusals(device, active_ticket, park):
    gate = FakeGate(device.device)
    body = {"batch_id": str(uuid.uuid4()), "events": [gate.scan(active_ticket)]}
    first = device.post("/api/v1/parks/gate/scans/", body, format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["stored"] == 1 and first.json()["occupancy"] == 1
    replay = device.post("/api/v1/parks/gate/scans/", body, format="json")
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "batch_replayed"
    forged = {"batch_id": str(uuid.uuid4()), "events": [{**gate.scan(active_ticket), "code": "SP1.x.y.z"}]}
    bad = device.post("/api/v1/parks/gate/scans/", forged, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["details"]["reason"] in ("forged", "unknown_key")
    for garbage in ({}, {"batch_id": "x", "events": "no"}, {"batch_id": str(uuid.uuid4()), "events": [None]}):
        answer = device.post("/api/v1/parks/gate/scans/", garbage, format="json")
        assert answer.status_code == 400, garbage
    assert APIClient().post("/api/v1/parks/gate/scans/", body, format="json").status_code == 401
    assert GateScan.objects.count() == 1


def test_a_device_of_another_park_cannot_upload_this_parks_tickets(staff_api, active_ticket):
    other = ParkFactory()
    token = staff_api.post("/api/v1/parks/gate/devices/", {"park": other.slug, "name": "x"}, format="json").json()[
        "token"
    ]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    gate = FakeGate(GateDevice.objects.get(park=other))
    answer = client.post(
        "/api/v1/parks/gate/scans/",
        {"batch_id": str(uuid.uuid4()), "events": [gate.scan(active_ticket)]},
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["error"]["details"]["reason"] == "ticket_wrong_park"


def test_exit_at_the_gate_closes_the_visit_and_refuses_who_is_not_inside(staff_api, active_ticket, park):
    payload = {"park": park.slug, "code": active_ticket.qr_code, "gate": "east"}
    refused = staff_api.post("/api/v1/parks/gate/exit/", payload, format="json").json()
    assert (refused["admitted"], refused["reason"]) == (False, "not_inside")
    assert staff_api.post("/api/v1/parks/gate/admit/", payload, format="json").json()["admitted"]
    left = staff_api.post("/api/v1/parks/gate/exit/", payload, format="json").json()
    assert left["admitted"] and left["visit_id"]
    park.refresh_from_db()
    assert park.current_occupancy == 0
    assert GateScan.objects.filter(kind="exit", node="server").count() == 1
    again = staff_api.post("/api/v1/parks/gate/exit/", payload, format="json").json()
    assert again["reason"] == "not_inside"


def test_slot_tickets_open_the_gate_from_the_grace_period_until_the_slot_ends(buy, pay, park):
    from skypark.parks import services
    from skypark.parks.models import Park

    from .factories import TimeSlotFactory

    TimeSlotFactory(park=park, code="morning", starts=datetime.time(10), ends=datetime.time(14))
    Park.objects.filter(pk=park.pk).update(slot_grace_minutes=20)
    today = timezone.localdate()
    ticket = pay(buy(day=today, slot="morning"))
    at = lambda h, m: timezone.make_aware(datetime.datetime.combine(today, datetime.time(h, m)))  # noqa: E731
    assert services.ticket_admit(code=ticket.qr_code, park=park, now=at(9, 30)).reason == "wrong_time"
    assert services.ticket_admit(code=ticket.qr_code, park=park, now=at(14, 5)).reason == "wrong_time"
    admitted = services.ticket_admit(code=ticket.qr_code, park=park, now=at(9, 45))
    assert admitted.admitted and admitted.visit.entry_method == "qr"
