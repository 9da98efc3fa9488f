"""Two-factor set-up in the back-office and the phone confirmation page, in headless
Chromium on a 390 px phone: nothing wider than the screen, every step usable."""

import re
import time

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium.webdriver.common.by import By

from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.notify import sms

from .test_browser import click_and_wait, fill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = (390, 844)


def fits(browser):
    return browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def current_code(device):
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_a_superuser_sets_up_two_factor_log_in_on_a_phone(browser, settings):
    settings.STAFF_MFA_REQUIRED = True
    staff = StaffFactory(phone="+996555700700")
    browser.set_window_size(*PHONE)
    browser.get(browser.base_url + "/admin/login/?next=/admin/accounts/user/")
    fill(browser, "id_username", "+996555700700")
    fill(browser, "id_password", "pass-word-123")
    click_and_wait(browser, "#login-form [type=submit]")
    assert "/admin/mfa/setup/" in browser.current_url
    assert fits(browser)
    qr = browser.find_element(By.CSS_SELECTOR, ".mfa-qr svg")
    assert 0 < qr.size["width"] <= PHONE[0]
    secret = browser.find_element(By.CSS_SELECTOR, ".mfa-secret").text
    device = TOTPDevice.objects.get(user=staff)
    assert secret.replace(" ", "") and secret.replace(" ", "") in browser.page_source.replace(" ", "")

    fill(browser, "id_token", current_code(device))
    click_and_wait(browser, ".mfa-form [type=submit]")
    assert "/admin/mfa/recovery-codes/" in browser.current_url
    assert fits(browser)
    codes = [li.text for li in browser.find_elements(By.CSS_SELECTOR, ".mfa-codes li")]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    click_and_wait(browser, "#content-main a.button")
    assert browser.current_url.endswith("/admin/accounts/user/")
    assert browser.find_element(By.ID, "changelist")


def test_a_customer_confirms_their_phone_on_a_phone(browser):
    sms.outbox.clear()
    customer = UserFactory(phone="+996555700701", language="en")
    client = Client()
    client.force_login(customer)
    browser.set_window_size(*PHONE)
    browser.get(browser.base_url + "/")
    browser.add_cookie(
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    )
    browser.get(browser.base_url + "/accounts/phone/confirm/")
    assert fits(browser)
    assert "Confirm your phone" in browser.find_element(By.TAG_NAME, "h1").text
    click_and_wait(browser, "main form [type=submit]")
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    assert fits(browser)
    fill(browser, "id_code", code)
    click_and_wait(browser, "main form:last-of-type [type=submit]")
    assert "/accounts/profile/" in browser.current_url
    assert "confirmed" in browser.find_element(By.TAG_NAME, "main").text
