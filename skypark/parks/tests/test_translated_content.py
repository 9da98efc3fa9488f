"""Park texts that staff write are shown in the visitor's language, falling back to
Russian when that language's text is empty, on the pages, in the API and in the admin."""

import datetime
import re

import pytest
from django.db import connection
from django.utils import translation

from skypark.parks.models import Park

from .factories import ParkFactory, TimeSlotFactory

pytestmark = pytest.mark.django_db


def _park(**overrides):
    values = {
        "name_ru": "Небесный парк",
        "name_ky": "Асман паркы",
        "name_en": "Sky Park Central",
        "address_ru": "Бишкек, пр. Чуй 3",
        "address_ky": "Бишкек ш., Чүй пр. 3",
        "address_en": "3 Chui Avenue, Bishkek",
        "amenities_ru": ["Батуты", "Гардероб"],
        "amenities_ky": ["Батуттар", "Кийим калтыруучу жай"],
        "amenities_en": ["Trampolines", "Cloakroom"],
        **overrides,
    }
    park = ParkFactory(slug="central", **values)
    TimeSlotFactory(
        park=park,
        code="afternoon",
        name_ru="День",
        name_ky="Түштөн кийин",
        name_en="Afternoon",
        starts=datetime.time(14),
        ends=datetime.time(18),
    )
    return park


def _h1(html):
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


@pytest.mark.parametrize(
    "prefix, name, address, amenity, slot",
    [
        ("/ru", "Небесный парк", "Бишкек, пр. Чуй 3", "Гардероб", "День"),
        ("/ky", "Асман паркы", "Бишкек ш., Чүй пр. 3", "Кийим калтыруучу жай", "Түштөн кийин"),
        ("", "Sky Park Central", "3 Chui Avenue, Bishkek", "Cloakroom", "Afternoon"),
    ],
)
def test_park_page_shows_the_texts_of_its_language(client, prefix, name, address, amenity, slot):
    _park()
    page = client.get(f"{prefix}/parks/central/").content.decode()
    assert _h1(page) == name
    assert address in page
    assert f"<li>{amenity}</li>" in page
    assert re.search(rf"<option value=\"afternoon\"[^>]*>{slot} 14:00", page)
    listing = client.get(f"{prefix}/parks/").content.decode()
    assert name in listing and address in listing


def test_park_page_in_kyrgyz_falls_back_to_russian_where_the_kyrgyz_text_is_empty(client):
    _park(name_ky="", address_ky=None, amenities_ky=[])
    page = client.get("/ky/parks/central/").content.decode()
    assert _h1(page) == "Небесный парк"
    assert "Бишкек, пр. Чуй 3" in page
    assert "<li>Гардероб</li>" in page
    assert "Түштөн кийин" in page, "the slot keeps its own Kyrgyz name"


@pytest.mark.parametrize(
    "language, name, amenities, slot",
    [
        ("ru", "Небесный парк", ["Батуты", "Гардероб"], "День"),
        ("ky", "Асман паркы", ["Батуттар", "Кийим калтыруучу жай"], "Түштөн кийин"),
        ("en", "Sky Park Central", ["Trampolines", "Cloakroom"], "Afternoon"),
    ],
)
def test_api_answers_in_the_accept_language(api_client, language, name, amenities, slot):
    _park()
    response = api_client.get("/api/v1/parks/central/", HTTP_ACCEPT_LANGUAGE=language)
    assert response["Content-Language"] == language
    body = response.json()
    assert (body["name"], body["display_name"], body["amenities"]) == (name, name, amenities)
    assert body["slots"][0]["name"] == slot
    assert (body["name_ru"], body["name_ky"], body["name_en"]) == ("Небесный парк", "Асман паркы", "Sky Park Central")
    listed = api_client.get("/api/v1/parks/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
    assert [p["name"] for p in listed] == [name]


def test_api_falls_back_to_russian(api_client):
    _park(name_ky=None, amenities_ky=[])
    body = api_client.get("/api/v1/parks/central/", HTTP_ACCEPT_LANGUAGE="ky").json()
    assert (body["name"], body["amenities"]) == ("Небесный парк", ["Батуты", "Гардероб"])


def test_the_stored_name_column_keeps_the_russian_text_whatever_language_saved_it():
    park = _park()
    with translation.override("en"):
        park.name = "Sky Park Renamed"
        park.save()
    row = Park.objects.values_list("name_en", "name_ru").get(pk=park.pk)
    assert row == ("Sky Park Renamed", "Небесный парк")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM parks_park WHERE id = %s", [park.pk])
        assert cursor.fetchone()[0] == "Небесный парк"


def test_admin_change_form_edits_ru_ky_and_en_side_by_side(admin_client_logged):
    park = _park()
    page = admin_client_logged.get(f"/admin/parks/park/{park.pk}/change/").content.decode()
    for field in ("name", "address", "amenities", "closure_reason"):
        for language in ("ru", "ky", "en"):
            assert f'name="{field}_{language}"' in page, (field, language)
        assert f'name="{field}"' not in page
    assert 'value="Асман паркы"' in page and 'value="Sky Park Central"' in page
    row = re.search(r'<div class="form-row[^"]*field-name_ru[^"]*field-name_ky[^"]*field-name_en', page)
    assert row, "the three names share one row"
    for language in ("ru", "ky", "en"):
        assert f'name="slots-0-name_{language}"' in page, "the slot inline edits every language too"


def test_admin_saves_every_language_and_searches_any_of_them(admin_client_logged):
    park = _park()
    url = f"/admin/parks/park/{park.pk}/change/"
    form = admin_client_logged.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "name_ru": "Небесный парк 2",
            "name_ky": "Асман паркы 2",
            "name_en": "Sky Park Two",
            "amenities_ru": '["Кафе"]',
            "amenities_ky": '["Кафе"]',
            "amenities_en": '["Café"]',
            "hours-TOTAL_FORMS": "0",
            "hours-INITIAL_FORMS": "0",
            "slots-TOTAL_FORMS": "0",
            "slots-INITIAL_FORMS": "0",
        }
    )
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = admin_client_logged.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    park.refresh_from_db()
    assert (park.name_ru, park.name_ky, park.name_en, park.amenities_en) == (
        "Небесный парк 2",
        "Асман паркы 2",
        "Sky Park Two",
        ["Café"],
    )
    ParkFactory(name_ru="Другой парк", name_en="Another park")
    for term in ("Асман", "Sky Park Two", "Небесный"):
        listing = admin_client_logged.get("/admin/parks/park/", {"q": term}).content.decode()
        assert listing.count('name="_selected_action"') == 1, term
        assert f'value="{park.pk}"' in listing
