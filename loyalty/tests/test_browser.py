"""The loyalty card in a real headless browser: a customer who has earned points logs
in, sees the QR card, balance and progress to the next status, uses a friend's
invitation code before the first purchase and reads the history; a partner's till then scans the code shown on the
page through the partner API and sees the same balance."""

import pytest
import requests
from selenium.webdriver.common.by import By

from loyalty import services
from loyalty.models import Referral
from skypark.accounts.tests.factories import MerchantFactory, UserFactory, issue_key
from skypark.accounts.tests.test_browser import click_and_wait, fill, submit
from skypark.commerce.tests.factories import paid_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def test_card_balance_invitation_history_and_partner_scan(browser):
    # Both phones are confirmed: invitation bonuses wait for that.
    customer = UserFactory(name="Aida", language="en", phone_verified=True)
    friend = UserFactory(language="en", phone_verified=True)
    friend_code = services.referral_code_get(customer=friend).code

    browser.get(browser.base_url + "/accounts/login/")
    fill(browser, "id_username", customer.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)

    browser.get(browser.base_url + "/loyalty/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "My loyalty card"
    assert browser.find_element(By.ID, "balance").text == "0"
    fill(browser, "id_code", friend_code)
    submit(browser, "main form[method=post]")
    assert "You both get a bonus" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert Referral.objects.get().referrer == friend

    # The first purchase: 1500 som earn 150 points, and the invitation pays 100 more.
    order = paid_order(customer, count=1, price="1500.00")
    services.points_earn_for_order(order=order)
    browser.get(browser.base_url + "/loyalty/")
    qr_image = browser.find_element(By.CSS_SELECTOR, ".loyalty-card svg")
    assert qr_image.is_displayed() and qr_image.size["width"] > 100
    assert browser.find_element(By.ID, "balance").text == "250"
    assert browser.find_element(By.ID, "tier").text == "Beginner"
    progress = browser.find_element(By.ID, "tier-progress")
    assert progress.get_attribute("value") == "25"
    shown_code = browser.find_element(By.ID, "card-code").text

    click_and_wait(browser, "main a[href$='/loyalty/history/']")
    assert order.reference in browser.find_element(By.TAG_NAME, "main").text

    merchant = MerchantFactory()
    _key, plaintext = issue_key(merchant)
    response = requests.post(
        browser.base_url + "/api/v1/partner/customers/lookup/",
        json={"payload": shown_code},
        headers={"Authorization": f"Api-Key {plaintext}"},
        timeout=10,
    )
    assert response.status_code == 200 and response.json()["balance"] == 250
