"""Event texts are shown in the visitor's language, falling back to Russian where that
language's text is empty, on the pages and in the API; staff edit every language."""

import re

import pytest

from .factories import EventFactory, EventTypeFactory

pytestmark = pytest.mark.django_db


def _event(**texts):
    kind = EventTypeFactory(code="sport", name="Спорт", name_ky="Спорт оюну", name_en="Sport")
    return EventFactory(
        event_type=kind,
        **{
            "title": "Восхождение на Сулайман-Тоо",
            "title_ky": "Сулайман-Тоого чыгуу",
            "title_en": "Sulaiman-Too hike",
            "description": "Возьмите воду.",
            "description_ky": "Суу алыңыз.",
            "description_en": "Bring water.",
            "location": "Ош, Сулайман-Тоо",
            "location_ky": "Ош ш., Сулайман-Тоо",
            "location_en": "Sulaiman-Too, Osh",
            **texts,
        },
    )


def _h1(html):
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


@pytest.mark.parametrize(
    "prefix, title, description, place, kind",
    [
        ("/ru", "Восхождение на Сулайман-Тоо", "Возьмите воду.", "Ош, Сулайман-Тоо", "Спорт"),
        ("/ky", "Сулайман-Тоого чыгуу", "Суу алыңыз.", "Ош ш., Сулайман-Тоо", "Спорт оюну"),
        ("", "Sulaiman-Too hike", "Bring water.", "Sulaiman-Too, Osh", "Sport"),
    ],
)
def test_event_page_shows_the_texts_of_its_language(client, prefix, title, description, place, kind):
    event = _event()
    page = client.get(f"{prefix}/events/{event.pk}/").content.decode()
    assert _h1(page) == title
    assert description in page and place in page and f"<dd>{kind}</dd>" in page


def test_event_page_in_kyrgyz_falls_back_to_russian_where_the_kyrgyz_text_is_empty(client):
    event = _event(title_ky="", location_ky=None)
    page = client.get(f"/ky/events/{event.pk}/").content.decode()
    assert _h1(page) == "Восхождение на Сулайман-Тоо"
    assert "Ош, Сулайман-Тоо" in page and "Суу алыңыз." in page


@pytest.mark.parametrize(
    "language, title, place",
    [
        ("ru", "Восхождение на Сулайман-Тоо", "Ош, Сулайман-Тоо"),
        ("ky", "Сулайман-Тоого чыгуу", "Ош ш., Сулайман-Тоо"),
        ("en", "Sulaiman-Too hike", "Sulaiman-Too, Osh"),
    ],
)
def test_event_api_answers_in_the_accept_language(api_client, language, title, place):
    event = _event()
    body = api_client.get(f"/api/v1/events/{event.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
    assert (body["title"], body["display_title"], body["location"]) == (title, title, place)


def test_event_api_falls_back_to_russian(api_client):
    event = _event(title_ky=None)
    body = api_client.get(f"/api/v1/events/{event.pk}/", HTTP_ACCEPT_LANGUAGE="ky").json()
    assert body["title"] == "Восхождение на Сулайман-Тоо"


def test_admin_event_form_edits_ru_ky_and_en_and_search_finds_any(admin_client_logged):
    event = _event()
    page = admin_client_logged.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    for field in ("title", "description", "location"):
        for language in ("ru", "ky", "en"):
            assert f'name="{field}_{language}"' in page
    EventFactory(title="Другое событие", title_en="Another event")
    for term in ("Сулайман-Тоого", "hike", "Восхождение"):
        listing = admin_client_logged.get("/admin/events/event/", {"q": term}).content.decode()
        assert listing.count('name="_selected_action"') == 1, term
