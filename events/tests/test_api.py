import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from events import services
from events.models import BadgeRule, Event, Registration
from skypark.accounts.tests.factories import UserFactory

from .factories import EventFactory, EventTypeFactory, badge

pytestmark = pytest.mark.django_db
API = "/api/v1/events/"


def test_list_filters_and_constant_queries(api_client, django_assert_max_num_queries):
    quiz = EventTypeFactory(code="trivia")
    EventFactory(event_type=quiz, location="Кафе Навигатор", price=Decimal("0"))
    EventFactory(price=Decimal("500"), location="Парк")
    EventFactory(status=Event.Status.DRAFT)
    EventFactory(starts_at=timezone.now() - datetime.timedelta(days=3))  # over
    assert api_client.get(API).json()["count"] == 2
    assert [e["type"] for e in api_client.get(API, {"type": "trivia"}).json()["results"]] == ["trivia"]
    assert api_client.get(API, {"price": "paid"}).json()["results"][0]["price"] == "500.00"
    assert api_client.get(API, {"place": "Навигатор"}).json()["count"] == 1
    assert api_client.get(API, {"price": "nope"}).json()["error"]["code"]
    for _ in range(20):
        EventFactory()
    with django_assert_max_num_queries(3):
        body = api_client.get(API).json()
    assert body["count"] == 22


def test_register_free_event_confirms_with_qr(customer_client, event):
    response = customer_client.post(f"{API}{event.pk}/register/")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "confirmed" and body["qr_code"].startswith("registration.")
    assert body["event"]["places_left"] == 9
    again = customer_client.post(f"{API}{event.pk}/register/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_registered"


def test_register_paid_event_answers_with_a_payment_url(customer_client):
    event = EventFactory(price=Decimal("700.00"))
    body = customer_client.post(f"{API}{event.pk}/register/").json()
    assert body["status"] == "pending_payment"
    assert body["payment_url"].endswith(f"/pay/{body['order_reference']}/")
    assert body["qr_code"] is None


def test_full_event_waitlists_and_cancel_promotes(customer_client, customer):
    event = EventFactory(capacity=1)
    first = services.registration_create(customer=UserFactory(), event=event)
    body = customer_client.post(f"{API}{event.pk}/register/").json()
    assert (body["status"], body["waitlist_position"]) == ("waitlisted", 1)
    services.registration_cancel(registration=first, actor=first.customer)
    mine = customer_client.get(f"{API}registrations/{body['id']}/").json()
    assert mine["status"] == "confirmed"
    cancelled = customer_client.post(f"{API}registrations/{body['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    late = customer_client.post(f"{API}registrations/{body['id']}/cancel/")
    assert late.status_code == 409 and late.json()["error"]["code"] == "registration_not_cancellable"


def test_my_registrations_are_mine_only_with_constant_queries(customer_client, customer, django_assert_max_num_queries):
    other = services.registration_create(customer=UserFactory(), event=EventFactory())
    for _ in range(5):
        services.registration_create(customer=customer, event=EventFactory(capacity=1 if _ else None))
    full = EventFactory(capacity=1)
    services.registration_create(customer=UserFactory(), event=full)
    services.registration_create(customer=customer, event=full)
    with django_assert_max_num_queries(4):
        body = customer_client.get(f"{API}registrations/").json()
    assert body["count"] == 6
    assert sorted(r["waitlist_position"] or 0 for r in body["results"]) == [0, 0, 0, 0, 0, 1]
    assert customer_client.get(f"{API}registrations/{other.pk}/").status_code == 404


def test_anonymous_cannot_register(api_client, event):
    assert api_client.post(f"{API}{event.pk}/register/").status_code in (401, 403)


def test_me_and_leaderboard(customer_client, customer):
    badge(BadgeRule.TRIVIA_MASTER, [1])
    services.trivia_win_record(customer=customer, event=EventFactory(), actor=None)
    services.points_award_manual(customer=UserFactory(), points=100, reason="x", actor=None)
    me = customer_client.get(f"{API}me/").json()
    assert me["points_total"] == 10
    assert me["badges"][0]["badge"]["code"] == "trivia-master" and me["badges"][0]["level"] == 1
    board = customer_client.get(f"{API}leaderboard/", {"period": "week", "limit": 1}).json()
    assert [row["points"] for row in board["top"]] == [100]
    assert board["me"]["rank"] == 2
    assert customer_client.get(f"{API}leaderboard/", {"type": "nope"}).status_code == 404
    assert customer_client.get(f"{API}badges/").json()[0]["levels"] == [{"level": 1, "requirement": 1, "points": 10}]


def test_check_in_endpoint_for_staff_only(customer_client, staff_user, live_event, customer):
    Event.objects.filter(pk=live_event.pk).update(starts_at=timezone.now() + datetime.timedelta(minutes=5))
    registration = services.registration_create(customer=customer, event=live_event)
    payload = {"event": live_event.pk, "code": registration.qr_code}
    assert customer_client.post(f"{API}check-in/", payload, format="json").status_code == 403
    staff = APIClient()
    staff.force_authenticate(staff_user)
    first = staff.post(f"{API}check-in/", payload, format="json").json()
    assert first["admitted"] is True and first["registration_id"] == registration.pk
    second = staff.post(f"{API}check-in/", payload, format="json").json()
    assert (second["admitted"], second["reason"]) == (False, "already_checked_in")
    forged = staff.post(f"{API}check-in/", {"event": live_event.pk, "code": "x.y.z.w.v"}, format="json").json()
    assert forged["reason"] == "forged"
    assert staff.post(f"{API}check-in/", {"event": 999999, "code": "x"}, format="json").status_code == 404
    assert Registration.objects.get(pk=registration.pk).status == "attended"
