"""The customer's first steps in a real headless browser: sign up, add a child, switch
language, log out and in again. No JavaScript is needed anywhere on these pages."""

import re

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from skypark.accounts.models import User
from skypark.notify import sms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(driver, field_id, value):
    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def set_date(driver, field_id, iso_date):
    # Typing into <input type=date> depends on the browser's locale; set the value directly.
    driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, field_id), iso_date)


def wait_loaded(driver):
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _replaced(page):
    """True once ``page`` is no longer the document. While the next page loads, Chromium
    may answer the probe with "Node with given id does not belong to the document":
    that, too, means the page was replaced."""

    def check(driver):
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return check


def click_and_wait(driver, css):
    """Click and wait until the next page has replaced this one and finished loading."""
    wait_loaded(driver)
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(driver, 10).until(_replaced(page))
    wait_loaded(driver)


def submit(driver, form_selector="main form"):
    click_and_wait(driver, f"{form_selector} [type=submit]")


def test_sign_up_add_child_switch_language_and_log_in_again(browser):
    browser.get(browser.base_url + "/accounts/signup/")
    fill(browser, "id_phone", "0555 777 888")
    fill(browser, "id_name", "Aida")
    fill(browser, "id_password1", "long-secret-pass-1")
    fill(browser, "id_password2", "long-secret-pass-1")
    sms.outbox.clear()
    submit(browser)
    assert "/accounts/signup/code/" in browser.current_url
    assert not User.objects.filter(phone="+996555777888").exists()
    (message,) = sms.outbox
    fill(browser, "id_code", re.search(r"\b(\d{6})\b", message.text).group(1))
    submit(browser)
    assert "/accounts/profile/" in browser.current_url
    assert User.objects.get(phone="+996555777888").name == "Aida"

    browser.get(browser.base_url + "/accounts/children/add/")
    fill(browser, "id_name", "Bek")
    set_date(browser, "id_birth_date", "2022-03-01")
    submit(browser)
    assert "Bek" in browser.find_element(By.TAG_NAME, "main").text

    # The language switcher is a plain form: no JavaScript needed.
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=language]")).select_by_value("ru")
    click_and_wait(browser, "form[action$='/i18n/setlang/'] [type=submit]")
    assert browser.get_cookie("django_language")["value"] == "ru"
    browser.get(browser.base_url + "/ru/accounts/profile/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
    assert "Bek" in browser.find_element(By.TAG_NAME, "main").text

    click_and_wait(browser, "form[action*='logout'] [type=submit]")
    browser.get(browser.base_url + "/accounts/login/")
    fill(browser, "id_username", "+996 555 777 888")
    fill(browser, "id_password", "long-secret-pass-1")
    submit(browser)
    assert "/accounts/profile/" in browser.current_url
    assert "Bek" in browser.find_element(By.TAG_NAME, "main").text
