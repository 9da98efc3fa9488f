import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import BadgeRule, Event, Registration
from skypark.accounts.tests.factories import UserFactory

from .factories import EventFactory, EventTypeFactory, badge

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    # English pages at unprefixed URLs (a Russian-speaking member is redirected to /ru/).
    return UserFactory(language="en")


@pytest.fixture
def member_client(client, customer):
    client.force_login(customer)
    return client


def test_browse_and_filter(client):
    quiz = EventTypeFactory(code="trivia", name_en="Trivia night")
    EventFactory(title="Квиз", title_en="Quiz", event_type=quiz, location="Кафе Навигатор")
    EventFactory(title="Мастер-класс", title_en="Workshop", price=Decimal("900"), location="Студия")
    page = client.get(reverse("events:event-list")).content.decode()
    assert "Quiz" in page and "Workshop" in page
    page = client.get(reverse("events:event-list"), {"price": "free"}).content.decode()
    assert "Quiz" in page and "Workshop" not in page
    page = client.get(reverse("events:event-list"), {"type": "trivia", "place": "Навигатор"}).content.decode()
    assert "Quiz" in page
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    page = client.get(reverse("events:event-list"), {"date_to": tomorrow}).content.decode()
    assert "No events match these filters." in page


def test_event_page_shows_places_left_and_register_button(member_client, event):
    services.registration_create(customer=UserFactory(), event=event)
    page = member_client.get(reverse("events:event-detail", args=[event.pk])).content.decode()
    assert "9 / 10" in page and 'name="register"' in page


def test_draft_event_page_is_not_found(client):
    assert client.get(reverse("events:event-detail", args=[EventFactory(status="draft").pk])).status_code == 404


def test_register_cancel_and_see_qr(member_client, customer, event):
    response = member_client.post(reverse("events:event-register", args=[event.pk]))
    registration = Registration.objects.get(customer=customer)
    assert response.url == reverse("events:registration-detail", args=[registration.pk])
    page = member_client.get(response.url).content.decode()
    assert "<svg" in page and registration.backup_code_display in page
    assert member_client.get(reverse("events:registration-qr", args=[registration.pk]))["Content-Type"] == "image/png"
    listing = member_client.get(reverse("events:registration-list")).content.decode()
    assert event.title_en in listing or event.title in listing
    member_client.post(reverse("events:registration-cancel", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert member_client.get(reverse("events:registration-qr", args=[registration.pk])).status_code == 404


def test_paid_registration_goes_to_the_payment_page(member_client):
    event = EventFactory(price=Decimal("300"))
    response = member_client.post(reverse("events:event-register", args=[event.pk]))
    assert "/pay/" in response.url


def test_others_registrations_are_not_found(member_client, event):
    other = services.registration_create(customer=UserFactory(), event=event)
    assert member_client.get(reverse("events:registration-detail", args=[other.pk])).status_code == 404


def test_me_page_shows_points_streak_and_badges(member_client, customer):
    badge(BadgeRule.TRIVIA_MASTER, [1])
    services.trivia_win_record(customer=customer, event=EventFactory(), actor=None)
    page = member_client.get(reverse("events:me")).content.decode()
    assert 'class="points-total">10<' in page
    assert "trivia_master" in page and "level 1" in page


def test_leaderboard_page_shows_own_rank_outside_the_top(member_client, customer):
    for n in range(25):
        services.points_award_manual(customer=UserFactory(), points=100 + n, reason="x", actor=None)
    services.points_award_manual(customer=customer, points=5, reason="x", actor=None)
    page = member_client.get(reverse("events:leaderboard"), {"period": "month"}).content.decode()
    assert "Your rank: 26 with 5 points." in page


def test_check_in_page_for_staff(admin_client_logged, live_event):
    Event.objects.filter(pk=live_event.pk).update(starts_at=timezone.now() + datetime.timedelta(minutes=5))
    registration = services.registration_create(customer=UserFactory(name="Aida"), event=live_event)
    url = reverse("events:check-in")
    page = admin_client_logged.post(url, {"event": live_event.pk, "code": registration.backup_code}).content.decode()
    assert "CHECKED IN" in page and "Aida" in page
    page = admin_client_logged.post(url, {"event": live_event.pk, "code": registration.backup_code}).content.decode()
    assert "REFUSED" in page and "already checked in" in page


def test_check_in_page_is_not_for_customers(member_client):
    assert member_client.get(reverse("events:check-in")).status_code == 302


def test_anonymous_sees_price_and_places_and_registers_after_logging_in(client, event):
    url = reverse("events:event-detail", args=[event.pk])
    page = client.get(url).content.decode()
    assert "10 / 10" in page and "Log in and register" in page
    response = client.post(reverse("events:event-register", args=[event.pk]), {"register": ""})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not Registration.objects.exists()
    member = UserFactory(language="en")
    back = client.post(response["Location"], {"username": member.phone, "password": "pass-word-123"}, follow=True)
    assert back.request["PATH_INFO"] == url and 'name="register"' in back.content.decode()
    client.post(reverse("events:event-register", args=[event.pk]), {"register": ""})
    assert Registration.objects.get().customer == member
