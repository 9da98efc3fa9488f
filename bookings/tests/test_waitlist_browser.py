"""A family joins a full London course from its page in a real browser, sees its place on
the waiting list, is offered the places when they free up and accepts, in Russian,
Kyrgyz and English, on a phone (390 px) and a desktop (1280 px); a three-day course shows
each day on the venue's clocks. Screenshots go to ``SCREENSHOT_DIR`` (default
``var/screenshots/courses``)."""

import datetime
import os
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bookings import services
from bookings.models import CourseSession, WaitlistEntry
from skypark.accounts.tests.factories import ChildFactory, UserFactory
from skypark.commerce.services import payment_complete, payment_start
from skypark.commerce.tests.cancel_walk import log_in

from .factories import CourseFactory, VenueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONDON = zoneinfo.ZoneInfo("Europe/London")
TEXTS = {
    "ru": {"position": "Место в очереди: 1", "accept": "Принять и забронировать"},
    "ky": {"position": "Кезектеги орун: 1", "accept": "Кабыл алуу жана брондоо"},
    "en": {"position": "Position on the list: 1", "accept": "Accept and book"},
}


def shoot(browser, name):
    folder = Path(os.environ.get("SCREENSHOT_DIR", settings.BASE_DIR / "var" / "screenshots" / "courses"))
    folder.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        browser.set_window_size(width, 900)
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), (
            name,
            width,
        )
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(folder / f"{name}-{width}.png"))
        browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        browser.save_screenshot(str(folder / f"{name}-{width}-end.png"))
    browser.set_window_size(390, 900)


def main_text(browser):
    return " ".join(browser.find_element(By.TAG_NAME, "main").text.split())


def paid(booking):
    payment, _action = payment_start(order=booking.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    booking.refresh_from_db()
    return booking


@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_a_family_waits_for_a_full_three_day_course_and_accepts_the_offer(browser, language):
    prefix = "" if language == "en" else f"/{language}"
    parent = UserFactory(name="Dana Bell", language=language, email="dana@example.co.uk")
    ChildFactory(parent=parent, name="Ava Bell")
    days = [
        (
            datetime.datetime(2027, 3, 26 + i, 9, 30, tzinfo=LONDON),
            datetime.datetime(2027, 3, 26 + i, 16, 30, tzinfo=LONDON),
        )
        for i in range(3)
    ]
    session = services.session_create(
        course=CourseFactory(name="First Aid at Work", duration_hours=Decimal("18")),
        venue=VenueFactory(name="Leeds Training Centre", time_zone="Europe/London", capacity=2),
        days=days,
        capacity=2,
        status=CourseSession.Status.PUBLISHED,
    )
    taken = [paid(services.booking_create(customer=UserFactory(), session=session)) for _ in range(2)]

    log_in(browser, parent)
    browser.get(f"{browser.base_url}{prefix}/courses/sessions/{session.pk}/book/")
    text = main_text(browser)
    assert text.count("09:30") == 3 and "Europe/London" in text
    assert not browser.find_elements(By.NAME, "book")
    shoot(browser, f"waitlist-book-{language}")
    for box in (
        browser.find_element(By.NAME, "include_me"),
        browser.find_element(By.CSS_SELECTOR, "input[name=children]"),
    ):
        browser.find_element(By.CSS_SELECTOR, f"label[for={box.get_attribute('id')}]").click()
        assert box.is_selected()
    browser.find_element(By.NAME, "waitlist").click()
    try:
        WebDriverWait(browser, 20).until(lambda driver: "/courses/waitlist/" in driver.current_url)
    except TimeoutException:
        raise AssertionError(main_text(browser)) from None
    text = main_text(browser)
    assert TEXTS[language]["position"] in text and "Ava Bell" in text and "Dana Bell" in text
    shoot(browser, f"waitlist-waiting-{language}")

    for booking in taken:
        services.booking_cancel(booking=booking, actor=booking.customer)
    entry = WaitlistEntry.objects.get(customer=parent)
    assert entry.status == WaitlistEntry.Status.OFFERED and entry.places == 2
    browser.refresh()
    assert TEXTS[language]["accept"] in main_text(browser)
    shoot(browser, f"waitlist-offer-{language}")
    browser.find_element(By.CSS_SELECTOR, "button[name=answer][value=accept]").click()
    WebDriverWait(browser, 20).until(lambda driver: "/courses/waitlist/" not in driver.current_url)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED
    assert entry.booking.order.reference in browser.current_url
