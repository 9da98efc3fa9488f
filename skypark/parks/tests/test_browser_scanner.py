"""The scanner page in a real browser, in Russian, Kyrgyz and English, on a 390 px phone
and a 1280 px desk: a ticket admitted, a wrong-day ticket refused with its day, a used
one refused with when and at which gate. Nothing scrolls sideways on the phone.
Screenshots of every state are written to the folder the test prints."""

import datetime
import os
import pathlib
import tempfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.accounts.tests.test_browser import fill, submit
from skypark.parks import services
from skypark.parks.models import Ticket

from .factories import ParkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"
SIZES = {"phone": (390, 844), "desk": (1280, 900)}
WORDS = {
    "ru": {"admitted": "ПРОХОД РАЗРЕШЁН", "refused": "ПРОХОД ЗАПРЕЩЁН", "valid": "Действует", "used": "Использован"},
    "ky": {"admitted": "КИРҮҮГӨ УРУКСАТ", "refused": "КИРҮҮГӨ УРУКСАТ ЖОК", "valid": "жарактуу", "used": "колдонулган"},
    "en": {"admitted": "ADMITTED", "refused": "REFUSED", "valid": "Valid on", "used": "Used on"},
}


def _folder() -> pathlib.Path:
    root = pathlib.Path(os.environ.get("SCREENSHOT_DIR", pathlib.Path(tempfile.gettempdir()) / "skypark-screenshots"))
    folder = root / "scanner"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _ticket(park, day, code):
    return Ticket.objects.create(
        customer=UserFactory(),
        park=park,
        visit_date=day,
        price=Decimal("790.00"),
        backup_code=code,
        status=Ticket.Status.ACTIVE,
        children_data=[{"name": "Dana", "age": 5}, {"name": "Bek", "age": 7}],
    )


def _shoot(driver, folder, name):
    for size, (width, height) in SIZES.items():
        driver.set_window_size(width, height)
        if size == "phone":
            fits = driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
            assert fits, f"{name} scrolls sideways at {width} px"
        driver.save_screenshot(str(folder / f"{name}-{size}.png"))


@pytest.mark.parametrize("lang", ["ru", "ky", "en"])
def test_scanner_verdicts_in_every_language_on_a_phone_and_a_desk(browser, lang):
    folder = _folder()
    print(f"\nScanner screenshots: {folder}")
    park = ParkFactory()
    staff = StaffFactory(language=lang)
    today = timezone.localdate()
    far_day = today + datetime.timedelta(days=40)
    _ticket(park, today, "A1B2C3D4")
    _ticket(park, far_day, "W9X8Y7Z6")
    used = _ticket(park, today, "K5V4T3S2")
    earlier = max(timezone.localtime() - datetime.timedelta(hours=2), timezone.localtime().replace(hour=0, minute=1))
    assert services.ticket_admit(code=used.backup_code, park=park, gate="north-1", now=earlier).admitted

    browser.set_window_size(*SIZES["phone"])
    with translation.override(lang):
        login_url, gate_url = reverse("accounts:login"), reverse("parks:gate")
    browser.get(browser.base_url + login_url)
    fill(browser, "id_username", staff.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)
    browser.get(browser.base_url + gate_url)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    assert browser.switch_to.active_element.get_attribute("name") == "code"
    _shoot(browser, folder, f"{lang}-0-empty")
    Select(browser.find_element(By.ID, "id_park")).select_by_value(str(park.pk))
    fill(browser, "id_gate", "south-2")
    words = WORDS[lang]

    fill(browser, "id_code", "a1b2-c3d4")
    submit(browser)
    verdict = browser.find_element(By.CSS_SELECTOR, "[data-verdict]")
    assert verdict.get_attribute("role") == "status"
    assert words["admitted"] in verdict.text and "Dana (5), Bek (7)" in verdict.text
    assert browser.switch_to.active_element.get_attribute("name") == "code"
    _shoot(browser, folder, f"{lang}-1-admitted")

    fill(browser, "id_code", "W9X8 Y7Z6")
    submit(browser)
    verdict = browser.find_element(By.CSS_SELECTOR, "[data-verdict]")
    assert verdict.get_attribute("role") == "alert"
    with translation.override(lang):
        day = formats.date_format(far_day, "DATE_FORMAT")
    assert words["refused"] in verdict.text and words["valid"] in verdict.text and day.rstrip(".") in verdict.text
    _shoot(browser, folder, f"{lang}-2-wrong-day")

    fill(browser, "id_code", used.backup_code_display)
    submit(browser)
    verdict = browser.find_element(By.CSS_SELECTOR, "[data-verdict]")
    with translation.override(lang):
        clock = formats.time_format(timezone.localtime(earlier).time(), "TIME_FORMAT")
    assert words["used"] in verdict.text and clock in verdict.text and "north-1" in verdict.text
    _shoot(browser, folder, f"{lang}-3-used")
