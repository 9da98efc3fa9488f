"""The card's rotating code in a real headless browser with JavaScript switched off, in
ru, ky and en, at a phone's width and a desktop's: the code and its QR are shown, the
page offers a link that shows the new code (it never reloads itself), and a partner's till
accepts the code shown. With JavaScript the card section is renewed in place."""

import os

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

from loyalty import services
from skypark.accounts.tests.factories import MerchantFactory, UserFactory, issue_key
from skypark.accounts.tests.test_browser import click_and_wait, fill, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"
SHOTS = os.environ.get("SCREENSHOT_DIR", "")
PAGES = {"ru": "/ru/loyalty/", "ky": "/ky/loyalty/", "en": "/loyalty/"}  # the test settings default to en
VALID_UNTIL = {"ru": "Действителен до", "ky": "чейин жарактуу", "en": "Valid until"}


@pytest.fixture
def no_javascript(browser):
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    yield browser
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    browser.set_window_size(420, 900)


def test_the_card_code_works_without_javascript_in_every_language(no_javascript):
    browser = no_javascript
    customer = UserFactory(name="Aida", language="en")
    browser.get(browser.base_url + "/accounts/login/")
    fill(browser, "id_username", customer.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)
    _key, plaintext = issue_key(MerchantFactory())
    for language, path in PAGES.items():
        customer.language = language
        customer.save(update_fields=["language"])
        for width, height in ((390, 844), (1280, 900)):
            browser.set_window_size(width, height)
            browser.get(browser.base_url + path)
            code = browser.find_element(By.ID, "card-code")
            assert not browser.find_elements(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]')
            refresh = browser.find_element(By.CSS_SELECTOR, ".loyalty-card").get_attribute("data-refresh-seconds")
            assert 1 <= int(refresh) <= 61
            click_and_wait(browser, "#card-code-renew")
            code = browser.find_element(By.ID, "card-code")
            assert VALID_UNTIL[language] in browser.find_element(By.ID, "card-code-validity").text
            qr = browser.find_element(By.CSS_SELECTOR, ".loyalty-card [role=img]")
            assert code.text in qr.get_attribute("aria-label")
            assert code.rect["x"] + code.rect["width"] <= width
            assert qr.rect["width"] > 100
            if SHOTS:
                browser.save_screenshot(os.path.join(SHOTS, f"card-{language}-{width}.png"))
        check = services.card_code_verify(code.text)
        assert (check.kind, check.customer) == ("rotating", customer)
        response = requests.post(
            browser.base_url + "/api/v1/partner/customers/lookup/",
            json={"payload": code.text},
            headers={"Authorization": f"Api-Key {plaintext}"},
            timeout=10,
        )
        assert response.status_code == 200 and response.json()["customer_code"] == customer.customer_code


def test_with_javascript_the_card_section_is_renewed_in_place(browser):
    customer = UserFactory(name="Aida", language="en")
    browser.get(browser.base_url + "/accounts/login/")
    fill(browser, "id_username", customer.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)
    browser.get(browser.base_url + "/loyalty/")
    page = browser.find_element(By.TAG_NAME, "html")
    section = browser.find_element(By.CSS_SELECTOR, ".loyalty-card")
    browser.execute_script("window.skyparkCardRenew()")
    WebDriverWait(browser, 10).until(staleness_of(section))
    assert browser.find_element(By.TAG_NAME, "html") == page  # the page itself was not reloaded
    fresh = browser.find_element(By.ID, "card-code").text
    assert services.card_code_verify(fresh).customer == customer
    assert browser.find_element(By.CSS_SELECTOR, ".loyalty-card").get_attribute("data-refresh-seconds")
