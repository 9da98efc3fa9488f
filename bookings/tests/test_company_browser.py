"""A company books three staff on the company page in a real headless browser, in Russian,
Kyrgyz and English, on a phone and a desktop, and sees its invoice. Screenshots go to
``SCREENSHOT_DIR`` (default ``var/screenshots/company``)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By

from bookings.company import CompanyInvoice
from skypark.accounts.tests.factories import UserFactory
from skypark.accounts.tests.test_browser import click_and_wait, fill, submit

from .factories import SessionFactory, in_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"
HEADINGS = {"ru": "для компании", "ky": "компанияңыз үчүн", "en": "for your company"}


def shoot(driver, name):
    folder = Path(os.environ.get("SCREENSHOT_DIR", settings.BASE_DIR / "var" / "screenshots" / "company"))
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"{name}.png"))
    print(f"screenshot: {folder / name}.png")


@pytest.mark.parametrize("language", ["ru", "ky", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_a_company_books_its_staff_and_gets_the_invoice(browser, language, width):
    booker = UserFactory(name="Office Manager", language=language, email="office@acme.test")
    session = SessionFactory(starts_at=in_days(30))
    browser.set_window_size(width, 900)
    prefix = "" if language == "en" else f"/{language}"
    browser.get(browser.base_url + prefix + "/accounts/login/")
    fill(browser, "id_username", booker.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)
    browser.get(f"{browser.base_url}{prefix}/courses/sessions/{session.pk}/book/")
    click_and_wait(browser, f"a[href$='/courses/sessions/{session.pk}/company/']")
    assert HEADINGS[language] in browser.find_element(By.TAG_NAME, "h1").text
    fill(browser, "id_company_name", "Acme Logistics Ltd")
    fill(browser, "id_company_address", "Unit 4, Aire Street, Leeds LS1 4PR")
    fill(browser, "id_purchase_order", "PO-2027/0042")
    fill(browser, "id_vat_number", "GB123456789")
    fill(browser, "id_contact_email", "accounts@acme.test")
    for i, name in enumerate(["Amelia Hart", "Tom Reed", "Priya Shah"]):
        fill(browser, f"id_attendee_{i}_name", name)
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    shoot(browser, f"company-form-{language}-{width}")
    click_and_wait(browser, "main form button[name=book]")
    invoice = CompanyInvoice.objects.get()
    assert invoice.booking.places == 3 and invoice.purchase_order == "PO-2027/0042"
    main = browser.find_element(By.TAG_NAME, "main").text
    assert invoice.number in main and "PO-2027/0042" in main
    assert browser.find_element(By.CSS_SELECTOR, f"a[href$='/bookings/{invoice.booking.reference}/invoice.pdf']")
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    shoot(browser, f"company-booked-{language}-{width}")


def test_a_bad_vat_number_is_shown_on_its_field(browser):
    booker = UserFactory(language="en")
    session = SessionFactory(starts_at=in_days(30))
    browser.get(browser.base_url + "/accounts/login/")
    fill(browser, "id_username", booker.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)
    browser.get(f"{browser.base_url}/courses/sessions/{session.pk}/company/")
    fill(browser, "id_company_name", "Acme")
    fill(browser, "id_company_address", "Leeds")
    fill(browser, "id_purchase_order", "PO-1")
    fill(browser, "id_vat_number", "GB1")
    fill(browser, "id_contact_email", "accounts@acme.test")
    fill(browser, "id_attendee_0_name", "Amelia Hart")
    click_and_wait(browser, "main form button[name=book]")
    assert "GB123456789" in browser.find_element(By.TAG_NAME, "main").text
    assert not CompanyInvoice.objects.exists()
