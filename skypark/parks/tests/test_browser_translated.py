"""The demo park page read on a phone in Russian, Kyrgyz and English, and its admin change
form on a desktop with the three languages side by side. Screenshots go to the folder the
test prints (``SCREENSHOT_DIR``, default ``var/screenshots/content``)."""

import io
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from selenium.webdriver.common.by import By

from skypark.accounts.tests.factories import StaffFactory
from skypark.parks import demo
from skypark.parks.models import Park

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = (390, 844), (1280, 900)


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR", settings.BASE_DIR / "var" / "screenshots" / "content"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(driver, name):
    path = screenshot_dir() / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")


def no_sideways_scroll(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def log_in_as_staff(driver):
    client = Client()
    client.force_login(StaffFactory(language="ru"))
    driver.get(driver.base_url + "/admin/login/")
    driver.add_cookie(
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "path": "/"}
    )


@pytest.mark.parametrize(
    "prefix, name, amenity, slot",
    [
        ("/ru", "Sky Park Азия Молл", "Гардероб", "День 14:00"),
        ("/ky", "Sky Park Азия Молл", "Кийим калтыруучу жай", "Түштөн кийин 14:00"),
        ("", "Sky Park Asia Mall", "Cloakroom", "Afternoon 14:00"),
    ],
)
def test_demo_park_page_on_a_phone_in_each_language(browser, prefix, name, amenity, slot):
    demo.seed(SimpleNamespace(stdout=io.StringIO()))
    browser.set_window_size(*PHONE)
    browser.get(f"{browser.base_url}{prefix}/parks/skypark-asia-mall/")
    assert browser.find_element(By.TAG_NAME, "h1").text == name
    main = browser.find_element(By.TAG_NAME, "main").text
    assert amenity in main
    options = [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#id_slot option")]
    assert any(o.startswith(slot) for o in options), options
    assert no_sideways_scroll(browser)
    language = (prefix or "/en").strip("/")
    shoot(browser, f"park-{language}-390")
    browser.execute_script("document.getElementById('id_slot').scrollIntoView({block: 'end'})")
    shoot(browser, f"park-{language}-390-amenities-slots")


def test_admin_park_form_shows_the_three_languages_side_by_side(browser):
    demo.seed(SimpleNamespace(stdout=io.StringIO()))
    park = Park.objects.get(slug="skypark-osh")
    log_in_as_staff(browser)
    browser.set_window_size(*DESKTOP)
    browser.get(f"{browser.base_url}/admin/parks/park/{park.pk}/change/")
    shoot(browser, "admin-park-1280")
    values = {
        language: browser.find_element(By.NAME, f"address_{language}").get_attribute("value")
        for language in ("ru", "ky", "en")
    }
    assert values == {"ru": park.address_ru, "ky": park.address_ky, "en": park.address_en}
    tops = {browser.find_element(By.NAME, f"name_{language}").location["y"] for language in ("ru", "ky", "en")}
    assert len(tops) == 1, "the three names sit in one row"
    assert browser.find_element(By.NAME, "slots-0-name_ky").get_attribute("value") == "Эртең менен"
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    shoot(browser, "admin-park-1280-slots")
    assert no_sideways_scroll(browser)
