"""Course, course type and venue texts are shown in the visitor's language, falling back
to Russian where that language's text is empty; staff edit every language in the admin."""

import re

import pytest

from bookings.models import CourseType, Venue

from .factories import CourseFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db


def _session(**course_texts):
    kind = CourseType.objects.update_or_create(
        code="FAW",
        defaults={
            "name_ru": "Первая помощь на работе",
            "name_ky": "Жумушта биринчи жардам",
            "name_en": "First aid at work",
        },
    )[0]
    course = CourseFactory(
        course_type=kind,
        **{
            "name_ru": "Первая помощь для сотрудников",
            "name_ky": "Кызматкерлер үчүн биринчи жардам",
            "name_en": "First Aid for Employees",
            "description_ru": "Сердечно-лёгочная реанимация и ожоги.",
            "description_ky": "Жүрөк-өпкө реанимациясы жана күйүк.",
            "description_en": "CPR and burns.",
            **course_texts,
        },
    )
    venue = VenueFactory(
        name_ru="Учебный центр Бишкек",
        name_ky="Бишкек окуу борбору",
        name_en="Bishkek Training Centre",
        city="Бишкек",
        postcode="720040",
        country="KG",
    )
    return SessionFactory(course=course, venue=venue)


def _h1(html):
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


@pytest.mark.parametrize(
    "prefix, name, kind, description, venue",
    [
        (
            "/ru",
            "Первая помощь для сотрудников",
            "Первая помощь на работе",
            "реанимация и ожоги",
            "Учебный центр Бишкек",
        ),
        (
            "/ky",
            "Кызматкерлер үчүн биринчи жардам",
            "Жумушта биринчи жардам",
            "реанимациясы жана",
            "Бишкек окуу борбору",
        ),
        ("", "First Aid for Employees", "First aid at work", "CPR and burns.", "Bishkek Training Centre"),
    ],
)
def test_course_page_shows_the_texts_of_its_language(client, prefix, name, kind, description, venue):
    session = _session()
    page = client.get(f"{prefix}/courses/{session.course.pk}/").content.decode()
    assert _h1(page) == name
    assert kind in page and description in page and venue in page
    listing = client.get(f"{prefix}/courses/").content.decode()
    assert name in listing


def test_course_page_in_kyrgyz_falls_back_to_russian_where_the_kyrgyz_text_is_empty(client):
    session = _session(name_ky="", description_ky=None)
    page = client.get(f"/ky/courses/{session.course.pk}/").content.decode()
    assert _h1(page) == "Первая помощь для сотрудников"
    assert "Сердечно-лёгочная реанимация и ожоги." in page
    assert "Бишкек окуу борбору" in page


@pytest.mark.parametrize(
    "language, name, venue",
    [
        ("ru", "Первая помощь для сотрудников", "Учебный центр Бишкек"),
        ("ky", "Кызматкерлер үчүн биринчи жардам", "Бишкек окуу борбору"),
        ("en", "First Aid for Employees", "Bishkek Training Centre"),
    ],
)
def test_course_api_answers_in_the_accept_language(api_client, language, name, venue):
    session = _session()
    course = api_client.get(f"/api/v1/courses/{session.course.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
    assert course["name"] == name
    sessions = api_client.get("/api/v1/courses/sessions/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
    assert (sessions[0]["course"]["name"], sessions[0]["venue"]["name"]) == (name, venue)


def test_course_api_falls_back_to_russian(api_client):
    session = _session(name_ky=None)
    course = api_client.get(f"/api/v1/courses/{session.course.pk}/", HTTP_ACCEPT_LANGUAGE="ky").json()
    assert course["name"] == "Первая помощь для сотрудников"


def test_admin_course_and_venue_forms_edit_ru_ky_and_en(admin_client_logged):
    session = _session()
    page = admin_client_logged.get(f"/admin/bookings/course/{session.course.pk}/change/").content.decode()
    for field in ("name", "description"):
        for language in ("ru", "ky", "en"):
            assert f'name="{field}_{language}"' in page
    venue_page = admin_client_logged.get(f"/admin/bookings/venue/{session.venue.pk}/change/").content.decode()
    for field in ("name", "address_line1", "address_line2", "facilities", "parking_info"):
        for language in ("ru", "ky", "en"):
            assert f'name="{field}_{language}"' in venue_page
    assert 'name="country"' in venue_page
    CourseFactory(name_ru="Другой курс", name_en="Another course")
    for term in ("Кызматкерлер", "First Aid for Employees", "сотрудников"):
        listing = admin_client_logged.get("/admin/bookings/course/", {"q": term}).content.decode()
        assert listing.count('name="_selected_action"') == 1, term


def test_admin_venue_postcode_follows_the_country(admin_client_logged):
    url = "/admin/bookings/venue/add/"
    data = {
        "name_ru": "Учебный класс Ош",
        "address_line1_ru": "ул. Ленина 312",
        "city": "Ош",
        "capacity": "12",
        "facilities_ru": "[]",
        "facilities_ky": "[]",
        "facilities_en": "[]",
        "is_active": "on",
    }
    bad = admin_client_logged.post(url, {**data, "country": "KG", "postcode": "LS1 5HD"})
    assert "Kyrgyz postal code" in bad.content.decode()
    good = admin_client_logged.post(url, {**data, "country": "KG", "postcode": "723 500"})
    assert good.status_code == 302
    venue = Venue.objects.get(city="Ош")
    assert (venue.postcode, venue.name_ru, venue.name) == ("723500", "Учебный класс Ош", "Учебный класс Ош")


def test_admin_session_search_finds_the_course_by_its_name_in_any_language(admin_client_logged):
    session = _session()
    SessionFactory()
    for term in ("First Aid for Employees", "Кызматкерлер", "сотрудников", "Bishkek Training"):
        listing = admin_client_logged.get("/admin/bookings/coursesession/", {"q": term}).content.decode()
        assert listing.count('name="_selected_action"') == 1, term
        assert f'value="{session.pk}"' in listing
