"""The SMS password reset walked in a real browser, in each language, on a phone and a
desktop. Screenshots of each step go to a folder the test prints."""

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import translation
from selenium.webdriver.common.by import By

from skypark.notify import sms

from .factories import UserFactory
from .test_browser import fill, submit, wait_loaded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
TEXT = {
    "ru": ("Сброс пароля по SMS", "Введите код из SMS", "Код неверный", "Пароль сохранён"),
    "ky": ("Сырсөздү SMS аркылуу калыбына келтирүү", "SMS'теги кодду киргизиңиз", "Код туура эмес", "Сырсөз сакталды"),
    "en": ("Reset password by SMS", "Enter the code from the SMS", "This code is wrong", "Password saved"),
}
SHOTS = Path(os.environ.get("SKYPARK_SCREENSHOTS", tempfile.gettempdir())) / "skypark-screens" / "password-reset"


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def assert_fits(driver):
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_reset_password_by_sms_in_the_browser(browser, language, size):
    sms.outbox.clear()
    customer = UserFactory(phone="+996555123987", email=None, language=language)
    browser.set_window_size(*SIZES[size])
    heading, code_heading, wrong, done = TEXT[language]
    print(f"screenshots: {SHOTS}")

    with translation.override(language):
        browser.get(browser.base_url + reverse("accounts:password_reset"))
    wait_loaded(browser)
    browser.find_element(By.CSS_SELECTOR, "a[href$='/accounts/password/reset/by-sms/']").click()
    wait_loaded(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == heading
    assert_fits(browser)
    shot(browser, f"{language}-{size}-1-phone")

    fill(browser, "id_phone", "0555 123 987")
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == code_heading
    assert "+996 555 123 987" in browser.find_element(By.TAG_NAME, "main").text
    assert_fits(browser)
    shot(browser, f"{language}-{size}-2-code")
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)

    fill(browser, "id_code", "000000" if code != "000000" else "111111")
    fill(browser, "id_new_password1", "fresh-Secret-2026")
    fill(browser, "id_new_password2", "fresh-Secret-2026")
    submit(browser)
    assert wrong in browser.find_element(By.TAG_NAME, "main").text
    assert_fits(browser)
    shot(browser, f"{language}-{size}-3-wrong-code")

    fill(browser, "id_code", code)
    fill(browser, "id_new_password1", "fresh-Secret-2026")
    fill(browser, "id_new_password2", "fresh-Secret-2026")
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == done
    assert_fits(browser)
    shot(browser, f"{language}-{size}-4-done")
    assert authenticate(username=customer.phone, password="fresh-Secret-2026") == customer
