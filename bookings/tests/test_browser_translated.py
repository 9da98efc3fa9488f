"""The demo course pages read on a phone in Russian, Kyrgyz and English: a Kyrgyz course
priced in KGS in Bishkek and a UK one in GBP in Leeds. Screenshots go to the folder the test
prints (``SCREENSHOT_DIR``, default ``var/screenshots/content``)."""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from selenium.webdriver.common.by import By

from bookings.models import Course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(driver, name):
    folder = Path(os.environ.get("SCREENSHOT_DIR", settings.BASE_DIR / "var" / "screenshots" / "content"))
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"{name}.png"))
    print(f"screenshot: {folder / name}.png")


@pytest.mark.parametrize(
    "prefix, name, venue",
    [
        ("/ru", "Первая помощь для сотрудников", "Учебный центр Sky Park Бишкек"),
        ("/ky", "Кызматкерлер үчүн биринчи жардам", "Sky Park Бишкек окуу борбору"),
        ("", "First Aid for Employees", "Sky Park Bishkek Training Centre"),
    ],
)
def test_demo_course_pages_on_a_phone_in_each_language(browser, prefix, name, venue):
    call_command("seed_demo", stdout=io.StringIO())
    browser.set_window_size(390, 844)
    kyrgyz = Course.objects.get(name_en="First Aid for Employees")
    browser.get(f"{browser.base_url}{prefix}/courses/{kyrgyz.pk}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == name
    assert venue in browser.find_element(By.TAG_NAME, "main").text
    shoot(browser, f"course-kg-{(prefix or '/en').strip('/')}-390")
    uk = Course.objects.get(name_en="First Aid at Work")
    browser.get(f"{browser.base_url}{prefix}/courses/{uk.pk}/")
    assert "Leeds" in browser.find_element(By.TAG_NAME, "main").text
    shoot(browser, f"course-uk-{(prefix or '/en').strip('/')}-390")


def test_admin_course_form_shows_the_three_languages_side_by_side(browser):
    from django.conf import settings as django_settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    call_command("seed_demo", stdout=io.StringIO())
    client = Client()
    client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    browser.get(browser.base_url + "/admin/login/")
    browser.add_cookie(
        {
            "name": django_settings.SESSION_COOKIE_NAME,
            "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            "path": "/",
        }
    )
    browser.set_window_size(1280, 900)
    course = Course.objects.get(name_en="First Aid for Employees")
    browser.get(f"{browser.base_url}/admin/bookings/course/{course.pk}/change/")
    boxes = [browser.find_element(By.NAME, f"description_{language}") for language in ("ru", "ky", "en")]
    assert [box.get_attribute("value") for box in boxes] == [
        course.description_ru,
        course.description_ky,
        course.description_en,
    ]
    assert len({box.location["y"] for box in boxes}) == 1
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    shoot(browser, "admin-course-1280")
