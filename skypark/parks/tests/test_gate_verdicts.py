"""The gate says why: a wrong-day ticket names the day it is valid for, a used one says
when (on the park's clock) and at which gate, in Russian, Kyrgyz and English, on the
page and in the API's ``details``."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from rest_framework.test import APIClient

from skypark.parks import services
from skypark.parks.models import Ticket

from .factories import tomorrow

pytestmark = pytest.mark.django_db

BISHKEK = zoneinfo.ZoneInfo("Asia/Bishkek")
FAR_DAY = datetime.date(2030, 3, 8)
# 14:05 in Bishkek, 08:05 UTC.
USED_AT = datetime.datetime(2026, 12, 6, 14, 5, tzinfo=BISHKEK)


def _page(client, lang, data):
    with translation.override(lang):
        url = reverse("parks:gate")
    response = client.post(url, data)
    assert response.status_code == 200
    return response.content.decode()


def _day(lang, day):
    with translation.override(lang):
        return formats.date_format(day, "DATE_FORMAT")


def _time(lang, moment):
    with translation.override(lang):
        return formats.time_format(moment.time(), "TIME_FORMAT")


@pytest.fixture
def wrong_day_ticket(buy, pay):
    ticket = pay(buy(day=tomorrow()))
    Ticket.objects.filter(pk=ticket.pk).update(visit_date=FAR_DAY)
    return ticket


@pytest.fixture
def used_ticket(buy, pay, park, staff_user):
    ticket = pay(buy(day=tomorrow()))
    Ticket.objects.filter(pk=ticket.pk).update(visit_date=USED_AT.date())
    result = services.ticket_admit(code=ticket.backup_code, park=park, gate="north-1", staff=staff_user, now=USED_AT)
    assert result.admitted
    return ticket


WRONG_DAY = {
    "ru": ("Этот билет на другой день.", "Действует {day}"),
    "ky": ("Бул билет башка күнгө.", "{day} күнү жарактуу."),
    "en": ("This ticket is for another day.", "Valid on {day}."),
}
USED = {
    "ru": ("Этот билет уже использован.", "Использован {day} в {time}, пропускной пункт «north-1»."),
    "ky": ("Бул билет мурунтан колдонулган.", "{day} саат {time} колдонулган, өткөрүү пункту «north-1»."),
    "en": ("This ticket has already been used.", "Used on {day} at {time}, gate “north-1”."),
}


@pytest.mark.parametrize("lang", ["ru", "ky", "en"])
def test_a_wrong_day_ticket_is_refused_with_the_day_it_is_valid_for(admin_client_logged, park, wrong_day_ticket, lang):
    page = _page(admin_client_logged, lang, {"park": park.pk, "gate": "g1", "code": wrong_day_ticket.backup_code})
    refusal, detail = WRONG_DAY[lang]
    assert 'data-reason="wrong_date"' in page
    assert refusal in page
    assert detail.format(day=_day(lang, FAR_DAY)) in page


def test_the_day_is_in_the_locales_own_words():
    assert _day("ru", FAR_DAY) == "8 марта 2030"
    assert _day("ky", FAR_DAY) == "2030-жылдын 8-марты"
    assert _day("en", FAR_DAY) == "8 March 2030"
    assert _time("en", USED_AT) == _time("ru", USED_AT) == "14:05"


@pytest.mark.parametrize("lang", ["ru", "ky", "en"])
def test_a_used_ticket_is_refused_with_when_and_at_which_gate(admin_client_logged, park, used_ticket, lang):
    page = _page(admin_client_logged, lang, {"park": park.pk, "gate": "south-2", "code": used_ticket.backup_code})
    refusal, detail = USED[lang]
    assert 'data-reason="already_used"' in page
    assert refusal in page
    assert detail.format(day=_day(lang, USED_AT.date()), time=_time(lang, USED_AT)) in page


def test_the_time_is_on_the_parks_clock_whatever_the_session_time_zone(park, used_ticket):
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")), translation.override("en"):
        result = services.ticket_admit(code=used_ticket.backup_code, park=park, gate="x")
        assert result.detail == f"Used on {_day('en', USED_AT.date())} at 14:05, gate “north-1”."


def test_a_subscription_names_its_first_and_last_day(buy, pay, park):
    ticket = pay(buy(day=tomorrow()))
    Ticket.objects.filter(pk=ticket.pk).update(
        ticket_type=Ticket.Type.SUBSCRIPTION, visit_date=FAR_DAY, valid_until=FAR_DAY + datetime.timedelta(days=30)
    )
    with translation.override("en"):
        result = services.ticket_admit(code=ticket.backup_code, park=park)
        assert result.reason == "wrong_date"
        assert result.detail == f"Valid from {_day('en', FAR_DAY)} to {_day('en', datetime.date(2030, 4, 7))}."


def test_an_expired_ticket_names_the_day_it_was_for(buy, pay, park):
    ticket = pay(buy(day=tomorrow()))
    gone = timezone.localdate() - datetime.timedelta(days=3)
    Ticket.objects.filter(pk=ticket.pk).update(visit_date=gone)
    with translation.override("ru"):
        result = services.ticket_admit(code=ticket.backup_code, park=park)
        assert result.reason == "expired"
        assert result.message == f"Срок действия этого билета истёк. Действовал {_day('ru', gone)}."


def _gate_api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_refusal_carries_the_used_time_and_gate_in_details(park, used_ticket, staff_user):
    body = (
        _gate_api(staff_user)
        .post(reverse("api:park-gate-admit"), {"park": park.slug, "code": used_ticket.backup_code}, format="json")
        .json()
    )
    assert body["admitted"] is False and body["reason"] == "already_used"
    assert datetime.datetime.fromisoformat(body["details"]["used_at"]) == USED_AT
    assert body["details"]["gate"] == "north-1"
    assert "north-1" in body["message"]


def test_the_api_refusal_carries_the_valid_day_in_details(park, wrong_day_ticket, staff_user):
    body = (
        _gate_api(staff_user)
        .post(reverse("api:park-gate-admit"), {"park": park.slug, "code": wrong_day_ticket.backup_code}, format="json")
        .json()
    )
    assert body["reason"] == "wrong_date"
    assert body["details"] == {"valid_on": "2030-03-08"}


def test_an_admitted_scan_has_no_details(park, active_ticket, staff_user):
    body = (
        _gate_api(staff_user)
        .post(reverse("api:park-gate-admit"), {"park": park.slug, "code": active_ticket.backup_code}, format="json")
        .json()
    )
    assert body["admitted"] is True and body["details"] == {}
