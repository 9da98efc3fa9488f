"""The member's walk in a real headless browser: browse the events, register for a free
one, get checked in by staff at the door, then see the points and the new badge on the
member's page."""

import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from events.models import BadgeRule, Registration
from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.accounts.tests.test_browser import click_and_wait, fill, submit
from skypark.parks.tests.test_browser import log_in, main_text

from .factories import EventFactory, EventTypeFactory, badge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(driver):
    # Dropping the session cookie rather than posting the log-out form: the form's
    # redirect followed at once by another navigation made Chromium lose the page node.
    driver.delete_all_cookies()


def test_browse_register_check_in_then_badge_and_points_on_my_page(browser):
    member = UserFactory(name="Aida Test", language="en")
    staff = StaffFactory(language="en")
    quiz = EventTypeFactory(code="trivia", name_en="Trivia night")
    explorer = badge(BadgeRule.EVENT_EXPLORER, [1, 2], code="event-explorer")
    explorer.name_en = "Event Explorer"
    explorer.save()
    # Starts in 20 minutes, so check-in (open an hour before) is possible right away.
    starts = timezone.now() + datetime.timedelta(minutes=20)
    event = EventFactory(
        title_en="Pub quiz",
        event_type=quiz,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=12,
    )

    log_in(browser, member.phone)
    browser.get(browser.base_url + "/events/")
    Select(browser.find_element(By.ID, "id_type")).select_by_value("trivia")
    Select(browser.find_element(By.ID, "id_price")).select_by_value("free")
    submit(browser, "main form[role=search]")
    click_and_wait(browser, f"a[href$='/events/{event.pk}/']")
    assert "Pub quiz" in browser.find_element(By.TAG_NAME, "h1").text
    assert "12 / 12" in browser.find_element(By.CSS_SELECTOR, ".places-left").text
    click_and_wait(browser, "main form button[name=register]")
    assert "You are registered." in browser.find_element(By.CSS_SELECTOR, ".messages").text
    registration = Registration.objects.get(customer=member, event=event)
    assert registration.status == Registration.Status.CONFIRMED
    assert browser.find_element(By.CSS_SELECTOR, ".ticket__qr svg").is_displayed()
    backup_code = browser.find_element(By.XPATH, "//p[contains(., 'Backup code')]/strong").text
    assert backup_code == registration.backup_code_display
    log_out(browser)

    log_in(browser, staff.phone)
    browser.get(browser.base_url + "/events/check-in/")
    Select(browser.find_element(By.ID, "id_event")).select_by_value(str(event.pk))
    fill(browser, "id_code", backup_code)
    submit(browser)
    verdict = browser.find_element(By.CSS_SELECTOR, ".verdict").text
    assert "CHECKED IN" in verdict and "Aida Test" in verdict
    fill(browser, "id_code", backup_code)
    submit(browser)
    assert "already checked in" in browser.find_element(By.CSS_SELECTOR, ".verdict").text
    log_out(browser)

    log_in(browser, member.phone)
    browser.get(browser.base_url + "/events/me/")
    page = main_text(browser)
    # 10 for attending and 10 for reaching Event Explorer level 1.
    assert browser.find_element(By.CSS_SELECTOR, ".points-total").text == "20"
    assert "Event Explorer — level 1" in page
    assert "1 week" in browser.find_element(By.CSS_SELECTOR, ".streak").text
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED and registration.checked_in_by == staff
