"""The park visit end to end in a real headless browser: a customer logs in, adds a child,
buys a ticket, pays on the sandbox card page and sees the QR; then gate staff, in the
same browser, admit the ticket once and are refused on the second scan."""

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.accounts.tests.test_browser import click_and_wait, fill, set_date, submit
from skypark.parks.models import ParkVisit, Ticket

from .factories import ParkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def log_in(driver, phone):
    driver.get(driver.base_url + "/accounts/login/")
    fill(driver, "id_username", phone)
    fill(driver, "id_password", PASSWORD)
    submit(driver)
    assert "/accounts/login/" not in driver.current_url


def main_text(driver):
    return driver.find_element(By.TAG_NAME, "main").text


def test_buy_pay_see_qr_then_gate_admits_once(browser):
    customer = UserFactory(name="Aida", language="en")
    staff = StaffFactory(language="en")
    park = ParkFactory(name_en="Sky Park Dordoi")
    # Gates admit a ticket on its visit day only, so the customer buys for today.
    today = timezone.localdate()

    log_in(browser, customer.phone)

    browser.get(browser.base_url + "/accounts/children/add/")
    fill(browser, "id_name", "Bek")
    set_date(browser, "id_birth_date", "2020-03-01")
    submit(browser)
    assert "Bek" in main_text(browser)

    browser.get(browser.base_url + "/parks/")
    click_and_wait(browser, f"a[href$='/parks/{park.slug}/']")
    assert "Sky Park Dordoi" in browser.find_element(By.TAG_NAME, "h1").text
    set_date(browser, "id_visit_date", today.isoformat())
    browser.find_element(By.XPATH, "//label[contains(., 'Bek')]//input[@type='checkbox']").click()
    click_and_wait(browser, "main form button[name=buy]")
    assert "/pay/" in browser.current_url, main_text(browser)
    ticket = Ticket.objects.get(customer=customer)
    assert ticket.status == Ticket.Status.PENDING_PAYMENT

    browser.find_element(By.CSS_SELECTOR, "input[value='sandbox:visa']").click()
    submit(browser)
    assert "Sandbox card payment" in main_text(browser)
    fill(browser, "id_card_number", "4242 4242 4242 4242")
    fill(browser, "id_expiry", "12/30")
    fill(browser, "id_cvc", "123")
    fill(browser, "id_holder", "AIDA TEST")
    submit(browser)
    assert "Thank you! Your payment has been received." in main_text(browser)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ACTIVE

    browser.get(browser.base_url + "/parks/")
    click_and_wait(browser, "main a[href$='/parks/tickets/']")
    click_and_wait(browser, f"a[href$='/parks/tickets/{ticket.pk}/']")
    qr_image = browser.find_element(By.CSS_SELECTOR, ".ticket__qr svg")
    assert qr_image.is_displayed()
    assert qr_image.size["width"] > 100
    page = main_text(browser)
    assert "Bek (" in page
    assert ticket.backup_code_display in page
    backup_code = browser.find_element(By.XPATH, "//p[contains(., 'Backup code')]/strong").text
    assert backup_code == ticket.backup_code_display

    click_and_wait(browser, "form[action*='logout'] [type=submit]")
    log_in(browser, staff.phone)
    browser.get(browser.base_url + "/parks/gate/")
    Select(browser.find_element(By.ID, "id_park")).select_by_value(str(park.pk))
    fill(browser, "id_gate", "north-1")
    fill(browser, "id_code", backup_code)
    submit(browser)
    verdict = browser.find_element(By.CSS_SELECTOR, ".verdict").text
    assert "ADMITTED" in verdict
    assert "1 visitor" in verdict
    assert "Bek" in verdict

    fill(browser, "id_code", backup_code)
    submit(browser)
    verdict = browser.find_element(By.CSS_SELECTOR, ".verdict").text
    assert "REFUSED" in verdict
    assert "This ticket has already been used." in verdict
    assert "ADMITTED" not in main_text(browser)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.USED
    assert ticket.validated_by == staff
    visit = ParkVisit.objects.get()
    assert (visit.ticket, visit.park, visit.gate, visit.visitor_count) == (ticket, park, "north-1", 1)
    assert visit.entry_method == ParkVisit.EntryMethod.MANUAL
    park.refresh_from_db()
    assert park.current_occupancy == 1
