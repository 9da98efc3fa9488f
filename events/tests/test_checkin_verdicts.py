"""The check-in page says why: an already checked-in member is told when (on the venue's
clock), an early one when check-in opens, a code for another event which event and day,
in Russian, Kyrgyz and English, and the API gives the same facts in ``details``."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from rest_framework.test import APIClient

from events import services
from events.models import Event
from skypark.accounts.tests.factories import UserFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db

BISHKEK = zoneinfo.ZoneInfo("Asia/Bishkek")
STARTS = datetime.datetime(2030, 3, 8, 19, 0, tzinfo=BISHKEK)
CHECKED_IN = datetime.datetime(2030, 3, 8, 18, 42, tzinfo=BISHKEK)


def _day(lang, day):
    with translation.override(lang):
        return formats.date_format(day, "DATE_FORMAT")


@pytest.fixture
def event():
    return EventFactory(
        title="Вечер настолок",
        title_en="Board game night",
        starts_at=STARTS,
        ends_at=STARTS + datetime.timedelta(hours=3),
    )


@pytest.fixture
def registration(event):
    registration = services.registration_create(customer=UserFactory(name="Aida"), event=event)
    assert services.registration_check_in(code=registration.backup_code, event=event, now=CHECKED_IN).admitted
    return registration


def _page(client, lang, event, code):
    with translation.override(lang):
        url = reverse("events:check-in")
    response = client.post(url, {"event": event.pk, "code": code})
    assert response.status_code == 200
    return response.content.decode()


ALREADY = {
    "ru": ("Приход этого участника уже отмечен.", "Приход отмечен {day} в 18:42."),
    "ky": ("Бул мүчөнүн келгени мурунтан белгиленген.", "Келгени {day} саат 18:42 белгиленген."),
    "en": ("This member is already checked in.", "Checked in on {day} at 18:42."),
}


@pytest.mark.parametrize("lang", ["ru", "ky", "en"])
def test_an_already_checked_in_member_is_told_when(admin_client_logged, event, registration, lang):
    page = _page(admin_client_logged, lang, event, registration.backup_code_display.lower())
    refusal, detail = ALREADY[lang]
    assert 'data-reason="already_checked_in"' in page
    assert refusal in page
    assert detail.format(day=_day(lang, STARTS.date())) in page


OTHER_EVENT = {
    "ru": "Этот код — на событие «Вечер настолок», {day}",
    "ky": "Бул код «{title}» иш-чарасы үчүн, {day}",
    "en": "This code is for “Board game night” on {day}",
}


@pytest.mark.parametrize("lang", ["ru", "ky", "en"])
def test_a_code_for_another_event_names_that_event_and_its_day(admin_client_logged, event, lang):
    registration = services.registration_create(customer=UserFactory(), event=event)
    other = EventFactory()
    page = _page(admin_client_logged, lang, other, registration.backup_code)
    assert 'data-reason="wrong_event"' in page
    with translation.override(lang):
        title = Event.objects.get(pk=event.pk).display_title
    assert OTHER_EVENT[lang].format(day=_day(lang, STARTS.date()), title=title) in page


OPENS = {
    "ru": "Отметка прихода откроется {day} в 18:00.",
    "ky": "Келгенин белгилөө {day} саат 18:00 ачылат.",
    "en": "Check-in opens on {day} at 18:00.",
}


@pytest.mark.parametrize("lang", ["ru", "ky", "en"])
def test_an_early_member_is_told_when_check_in_opens(admin_client_logged, event, lang):
    registration = services.registration_create(customer=UserFactory(), event=event)
    page = _page(admin_client_logged, lang, event, registration.backup_code)
    assert 'data-reason="too_early"' in page
    assert OPENS[lang].format(day=_day(lang, STARTS.date())) in page


def test_the_api_refusal_carries_when_it_was_checked_in(event, registration, staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    body = client.post(
        reverse("api:event-check-in"), {"event": event.pk, "code": registration.backup_code}, format="json"
    ).json()
    assert body["reason"] == "already_checked_in"
    assert datetime.datetime.fromisoformat(body["details"]["used_at"]) == CHECKED_IN


def test_the_api_refusal_carries_the_event_and_day_of_a_code_for_another_event(event, staff_user):
    registration = services.registration_create(customer=UserFactory(), event=event)
    client = APIClient()
    client.force_authenticate(staff_user)
    with translation.override("en"):
        url = reverse("api:event-check-in")
    body = client.post(url, {"event": EventFactory().pk, "code": registration.backup_code}, format="json").json()
    assert body["reason"] == "wrong_event"
    assert body["details"]["valid_on"] == "2030-03-08"


@pytest.mark.parametrize(
    "spelling", ["{head}-{tail}", "{head_lower}-{tail_lower}", " {head} {tail}\r\n", "{head}\u2013{tail}"]
)
def test_the_check_in_page_takes_a_code_however_it_is_typed(admin_client_logged, spelling):
    now = timezone.now()
    event = EventFactory(starts_at=now + datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(hours=2))
    registration = services.registration_create(customer=UserFactory(), event=event)
    code = registration.backup_code
    typed = spelling.format(head=code[:4], tail=code[4:], head_lower=code[:4].lower(), tail_lower=code[4:].lower())
    page = admin_client_logged.post(reverse("events:check-in"), {"event": event.pk, "code": typed}).content.decode()
    assert 'data-verdict="admitted"' in page
