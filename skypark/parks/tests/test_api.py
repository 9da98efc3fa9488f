import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from skypark.parks.models import SlotCapacity, Ticket

from .factories import ParkFactory, tomorrow

pytestmark = pytest.mark.django_db


def test_park_list_search_and_constant_queries(api_client, django_assert_max_num_queries):
    ParkFactory(name="Sky Park Азия", address="Чуй 3")
    for _ in range(5):
        ParkFactory()
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/parks/")
    assert response.status_code == 200
    assert response.json()["count"] == 6
    found = api_client.get("/api/v1/parks/", {"search": "Азия"}).json()
    assert [p["name_ru"] for p in found["results"]] == ["Sky Park Азия"]


def test_park_detail_and_404_json(api_client, park):
    assert api_client.get(f"/api/v1/parks/{park.slug}/").json()["slug"] == park.slug
    missing = api_client.get("/api/v1/parks/nope/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_park_detail_is_one_read_and_shows_hours_and_slots_as_saved(api_client, django_assert_num_queries):
    from .factories import TimeSlotFactory

    park = ParkFactory()
    TimeSlotFactory(park=park, code="morning", starts=datetime.time(10), ends=datetime.time(14))
    url = f"/api/v1/parks/{park.slug}/"
    assert [s["code"] for s in api_client.get(url).json()["slots"]] == ["morning"]
    with django_assert_num_queries(1):  # the park's row; hours and slots from the cache
        body = api_client.get(url).json()
    assert len(body["hours"]) == 7
    TimeSlotFactory(park=park, code="evening", starts=datetime.time(16), ends=datetime.time(20))
    park.hours.filter(weekday=6).delete()  # a queryset delete: the signal of each row still fires
    body = api_client.get(url).json()
    assert [s["code"] for s in body["slots"]] == ["morning", "evening"]
    assert [h["weekday"] for h in body["hours"]] == [0, 1, 2, 3, 4, 5]


def test_availability(api_client, park):
    body = api_client.get(f"/api/v1/parks/{park.slug}/availability/", {"date": tomorrow()}).json()
    assert (body["status"], body["available_spots"]) == ("available", 50)
    past = api_client.get(
        f"/api/v1/parks/{park.slug}/availability/", {"date": timezone.localdate() - datetime.timedelta(days=1)}
    ).json()
    assert (past["bookable"], past["reason"]) == (False, "past_date")
    bad = api_client.get(f"/api/v1/parks/{park.slug}/availability/", {"date": "soon"})
    assert bad.status_code == 400 and "error" in bad.json()


def test_quote_and_order_create(customer_client, park, child):
    payload = {"visit_date": str(tomorrow()), "visitors": [{"child_id": child.pk}, {"name": "Dana", "age": 2}]}
    quote = customer_client.post(f"/api/v1/parks/{park.slug}/quote/", payload).json()
    assert quote["total"] == "1380.00"
    response = customer_client.post(f"/api/v1/parks/{park.slug}/orders/", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["order_reference"].startswith("SP-")
    assert body["payment_url"].endswith(reverse("commerce:order-pay", args=[body["order_reference"]]))
    assert body["ticket"]["status"] == "pending_payment"
    assert body["ticket"]["qr_code"] is None


def test_order_errors_are_4xx_json(customer_client, park, child, api_client):
    SlotCapacity.objects.create(park=park, date=tomorrow(), capacity=1, sold=1)
    payload = {"visit_date": str(tomorrow()), "visitors": [{"child_id": child.pk}]}
    sold_out = customer_client.post(f"/api/v1/parks/{park.slug}/orders/", payload)
    assert sold_out.status_code == 409
    assert sold_out.json()["error"]["code"] == "sold_out"
    past = customer_client.post(
        f"/api/v1/parks/{park.slug}/orders/",
        {**payload, "visit_date": str(timezone.localdate() - datetime.timedelta(days=3))},
    )
    assert past.status_code == 400
    assert past.json()["error"]["details"]["reason"] == "past_date"
    empty = customer_client.post(f"/api/v1/parks/{park.slug}/orders/", {"visit_date": str(tomorrow()), "visitors": []})
    assert empty.status_code == 400 and empty.json()["error"]["code"]
    assert api_client.post(f"/api/v1/parks/{park.slug}/orders/", payload).status_code == 401
    assert Ticket.objects.count() == 0


def test_my_tickets_with_qr_url_constant_queries(customer_client, buy, pay, django_assert_max_num_queries):
    for _ in range(4):
        pay(buy())
    with django_assert_max_num_queries(4):
        body = customer_client.get("/api/v1/parks/tickets/").json()
    assert body["count"] == 4
    ticket = body["results"][0]
    assert ticket["qr_image_url"].endswith(reverse("parks:ticket-qr", args=[ticket["id"]]))


def test_cancel_unpaid_and_refuse_paid(customer_client, buy, pay):
    pending = buy()
    response = customer_client.post(f"/api/v1/parks/tickets/{pending.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    paid = pay(buy())
    refused = customer_client.post(f"/api/v1/parks/tickets/{paid.pk}/cancel/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "ticket_not_cancellable"


def test_gate_endpoint_for_staff_only(active_ticket, park, staff_user, customer_client):
    payload = {"park": park.slug, "code": active_ticket.qr_code, "gate": "g1"}
    assert customer_client.post("/api/v1/parks/gate/admit/", payload).status_code == 403
    staff = APIClient()
    staff.force_authenticate(staff_user)
    first = staff.post("/api/v1/parks/gate/admit/", payload).json()
    second = staff.post("/api/v1/parks/gate/admit/", payload).json()
    assert (first["admitted"], first["visitors"]) == (True, 1)
    assert (second["admitted"], second["reason"]) == (False, "already_used")


def test_gate_takes_the_park_from_the_ticket_and_404s_an_unknown_park(active_ticket, park, staff_user):
    staff = APIClient()
    staff.force_authenticate(staff_user)
    other = ParkFactory()
    wrong = staff.post("/api/v1/parks/gate/admit/", {"park": other.slug, "code": active_ticket.qr_code}).json()
    assert (wrong["admitted"], wrong["reason"]) == (False, "wrong_park")
    for code in (active_ticket.qr_code, "ZZZZZZZZ", active_ticket.qr_code[:-2] + "00"):
        missing = staff.post("/api/v1/parks/gate/admit/", {"park": "no-such-park", "code": code})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert staff.post("/api/v1/parks/gate/admit/", {"park": park.slug, "code": active_ticket.qr_code}).json()[
        "admitted"
    ]


def test_gate_permission_is_remembered_for_a_bounded_time(active_ticket, park, monkeypatch):
    from django.contrib.auth.models import Group, Permission
    from django.core.cache import cache

    from skypark.accounts.tests.factories import UserFactory
    from skypark.parks.api import views

    group = Group.objects.create(name="Gate staff")
    group.permissions.add(Permission.objects.get(content_type__app_label="parks", codename="change_ticket"))
    device = UserFactory(is_staff=True)
    device.groups.add(group)
    client = APIClient()
    client.force_authenticate(device)
    kept = {}
    monkeypatch.setattr(cache, "set", lambda key, value, timeout: kept.setdefault(key, (value, timeout)))
    scan = {"park": park.slug, "code": "ZZZZZZZZ"}
    assert client.post("/api/v1/parks/gate/admit/", scan).status_code == 200
    assert kept[f"parks:gate-permission:{device.pk}"] == (True, views.GATE_PERMISSION_SECONDS)
    assert views.GATE_PERMISSION_SECONDS <= 30
    monkeypatch.undo()

    # Cached: taking the group away is seen once the entry expires (simulated by clearing).
    client.post("/api/v1/parks/gate/admit/", scan)
    device.groups.clear()
    device = type(device).objects.get(pk=device.pk)
    client.force_authenticate(device)
    assert client.post("/api/v1/parks/gate/admit/", scan).status_code == 200
    cache.clear()
    assert client.post("/api/v1/parks/gate/admit/", scan).status_code == 403

    # Giving it back is seen within the same bound.
    device.groups.add(group)
    device = type(device).objects.get(pk=device.pk)
    client.force_authenticate(device)
    assert client.post("/api/v1/parks/gate/admit/", scan).status_code == 403
    cache.clear()
    assert client.post("/api/v1/parks/gate/admit/", scan).status_code == 200

    # Staff status and the active flag are read on every request: no delay.
    device.is_staff = False
    device.save()
    client.force_authenticate(device)
    assert client.post("/api/v1/parks/gate/admit/", scan).status_code == 403


def test_schema_generates(api_client):
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/parks/{slug}/orders/" in response.content
