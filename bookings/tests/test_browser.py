"""A course booking end to end in a real headless browser: a learner picks a course,
picks a session, applies a discount code, pays with the sandbox card and receives the
confirmation e-mail with its calendar file."""

from decimal import Decimal

import pytest
from django.core import mail
from icalendar import Calendar
from selenium.webdriver.common.by import By

from bookings.models import Booking
from skypark.accounts.tests.factories import UserFactory
from skypark.accounts.tests.test_browser import click_and_wait, fill, submit

from .factories import CourseFactory, DiscountCodeFactory, SessionFactory, VenueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def main_text(driver):
    return driver.find_element(By.TAG_NAME, "main").text


def test_pick_course_pick_session_apply_code_pay_and_get_the_confirmation(browser):
    learner = UserFactory(name="Ann Smith", language="en", email="ann@example.co.uk")
    course = CourseFactory(name="Emergency First Aid at Work", price=Decimal("90.00"))
    session = SessionFactory(course=course, venue=VenueFactory(name="Leeds Training Centre", city="Leeds"))
    SessionFactory(course=CourseFactory(name="Paediatric First Aid"))
    code = DiscountCodeFactory(code="SPRING10", discount_type="percentage", discount_value=Decimal("10"))
    mail.outbox = []

    browser.get(browser.base_url + "/accounts/login/")
    fill(browser, "id_username", learner.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)
    assert "/accounts/login/" not in browser.current_url

    browser.get(browser.base_url + "/courses/")
    assert "First-aid courses" in browser.find_element(By.TAG_NAME, "h1").text
    click_and_wait(browser, f"a[href$='/courses/{course.pk}/']")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Emergency First Aid at Work"
    assert "Leeds Training Centre" in main_text(browser)
    click_and_wait(browser, f"a[href$='/courses/sessions/{session.pk}/book/']")
    assert "Places left: 12" in main_text(browser)

    fill(browser, "id_discount_code", "spring10")
    click_and_wait(browser, "main form button[name=apply]")
    total = browser.find_element(By.XPATH, "//table//th[contains(., 'Total')]/following-sibling::th").text
    assert total == "£81"
    click_and_wait(browser, "main form button[name=book]")
    assert "/pay/" in browser.current_url, main_text(browser)
    booking = Booking.objects.get(customer=learner)
    assert (booking.status, booking.amount, booking.discount_code) == (Booking.Status.PENDING, Decimal("81.00"), code)

    browser.find_element(By.CSS_SELECTOR, "input[value='sandbox:visa']").click()
    submit(browser)
    assert "Sandbox card payment" in main_text(browser)
    fill(browser, "id_card_number", "4242 4242 4242 4242")
    fill(browser, "id_expiry", "12/30")
    fill(browser, "id_cvc", "123")
    fill(browser, "id_holder", "ANN SMITH")
    submit(browser)
    assert "Thank you! Your payment has been received." in main_text(browser)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.payment_status == Booking.PaymentStatus.PAID
    confirmations = [m for m in mail.outbox if m.subject.startswith("Booking confirmed")]
    assert len(confirmations) == 1
    message = confirmations[0]
    assert message.to == ["ann@example.co.uk"]
    assert booking.reference in message.subject and "£81" in message.body
    filename, content, _mimetype = message.attachments[0]
    assert filename == f"{booking.reference}.ics"
    event = next(iter(Calendar.from_ical(content).walk("VEVENT")))
    assert event.decoded("dtstart") == session.starts_at

    browser.get(browser.base_url + f"/courses/bookings/{booking.reference}/")
    assert browser.find_element(By.ID, "booking-status").text == "confirmed"
