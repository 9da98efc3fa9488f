"""Counts read with their plural form in a real browser, in Russian and Kyrgyz, on a
phone and a desktop: the loyalty card balance and the places left on course dates.
Screenshots go to ``var/screenshots/plurals`` (the path is printed)."""

from pathlib import Path

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By

from bookings.tests.factories import SessionFactory
from skypark.accounts.tests.factories import UserFactory
from skypark.accounts.tests.test_browser import fill, submit
from skypark.core.testing_i18n import has_phrase

from .factories import give_points

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
PREFIX = {"ru": "", "ky": "/ky"}


def _shots_dir():
    path = Path(settings.BASE_DIR) / "var" / "screenshots" / "plurals"
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {path}")
    return path


def _look(browser, url, size, shot, focus):
    browser.set_window_size(*SIZES[size])
    browser.get(url)
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.CSS_SELECTOR, focus))
    browser.save_screenshot(str(shot))
    return browser.find_element(By.TAG_NAME, "main").text


@pytest.mark.parametrize("language, balance, phrase", [("ru", 21, "21 балл"), ("ky", 5, "5 упай")])
def test_card_balance_with_its_plural_form(browser, settings, language, balance, phrase):
    settings.LANGUAGE_CODE = "ru"
    shots = _shots_dir()
    customer = UserFactory(language=language)
    give_points(customer, balance)
    browser.get(browser.base_url + PREFIX[language] + "/accounts/login/")
    fill(browser, "id_username", customer.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)
    for size in SIZES:
        url = f"{browser.base_url}{PREFIX[language]}/loyalty/"
        text = _look(browser, url, size, shots / f"card-{language}-{size}.png", "#balance-h")
        assert has_phrase(text, phrase), text
        assert browser.find_element(By.ID, "balance").text == str(balance)


@pytest.mark.parametrize(
    "language, phrases", [("ru", ["1 место", "2 места", "5 мест", "21 место"]), ("ky", ["1 орун", "21 орун"])]
)
def test_course_dates_count_places_left(browser, settings, language, phrases):
    settings.LANGUAGE_CODE = "ru"
    shots = _shots_dir()
    for n in (1, 2, 5, 21):
        SessionFactory(capacity=n, venue__capacity=30)
    for size in SIZES:
        url = f"{browser.base_url}{PREFIX[language]}/courses/sessions/"
        text = _look(browser, url, size, shots / f"sessions-{language}-{size}.png", "main table")
        for phrase in phrases:
            assert has_phrase(text, phrase), (phrase, text)
