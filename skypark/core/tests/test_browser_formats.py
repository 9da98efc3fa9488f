"""Locale formats in a real headless Chromium: the park page's date input keeps its date
in Russian and Kyrgyz so "check price" works at the first click, and the admin dashboard's
charts are drawn in Russian. Screenshots of each page at 390 and 1280 px are written to
the folder the test prints."""

import datetime
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from skypark.accounts.tests.factories import ChildFactory, StaffFactory, UserFactory
from skypark.accounts.tests.test_browser import click_and_wait, fill, submit, wait_loaded
from skypark.commerce.tests.factories import paid_order
from skypark.parks.tests.factories import ParkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
SHOTS = Path(os.environ.get("SKYPARK_SCREENSHOTS", tempfile.gettempdir())) / "skypark-screens" / "formats"


def shoot(driver, name, at=None):
    """Screenshots at both sizes, scrolled to the element ``at`` (a CSS selector) if given."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        driver.set_window_size(width, height)
        if at:
            driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", at)
        else:
            driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(SHOTS / f"{name}-{size}.png"))
        if size == "phone":
            overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways at 390 px by {overflow}px"
    print(f"screenshots: {SHOTS}")


def log_in(driver, prefix, phone):
    driver.get(f"{driver.base_url}{prefix}/accounts/login/")
    fill(driver, "id_username", phone)
    fill(driver, "id_password", PASSWORD)
    submit(driver)
    assert "/accounts/login/" not in driver.current_url


def plain(text):
    return text.replace("\xa0", " ")


@pytest.mark.parametrize(
    ("language", "button", "total"),
    [("ru", "Проверить цену", "1 250 сом"), ("ky", "Баасын", "1 250 сом")],
)
def test_park_page_date_is_filled_and_check_price_works(browser, language, button, total):
    customer = UserFactory(language=language)
    child = ChildFactory(parent=customer, name="Бек")
    park = ParkFactory(price_under_3=Decimal("590.00"), price_over_3=Decimal("1250.00"))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    browser.set_window_size(*SIZES["phone"])
    log_in(browser, f"/{language}", customer.phone)

    browser.get(f"{browser.base_url}/{language}/parks/{park.slug}/")
    wait_loaded(browser)
    date_input = browser.find_element(By.ID, "id_visit_date")
    # the browser only keeps a value it can parse: an empty property means the picker is blank
    assert date_input.get_property("value") == tomorrow.isoformat()
    assert date_input.get_attribute("value") == tomorrow.isoformat()
    shoot(browser, f"park-{language}", at="main form")

    browser.find_element(By.CSS_SELECTOR, f"input[name=children][value='{child.pk}']").click()
    quote_button = browser.find_element(By.CSS_SELECTOR, "main form button[name=quote]")
    assert button in quote_button.text
    click_and_wait(browser, "main form button[name=quote]")
    main = plain(browser.find_element(By.TAG_NAME, "main").text)
    assert not browser.find_elements(By.CSS_SELECTOR, ".errorlist"), main
    assert "Бек (" in main and total in main
    assert browser.find_element(By.ID, "id_visit_date").get_property("value") == tomorrow.isoformat()
    shoot(browser, f"park-{language}-quote", at="[role=status]")


def test_admin_dashboard_charts_are_drawn_in_russian(browser, russian_default):
    staff = StaffFactory()
    ParkFactory(capacity=7)
    paid_order(UserFactory(), count=2, price="790.00")
    browser.set_window_size(*SIZES["desktop"])
    browser.get(f"{browser.base_url}/admin/login/")
    fill(browser, "id_username", staff.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser, "#login-form")
    browser.get(f"{browser.base_url}/admin/")
    wait_loaded(browser)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
    bars = browser.find_elements(By.CSS_SELECTOR, ".dash svg rect")
    assert bars
    drawn = [b for b in bars if b.get_attribute("height") not in ("0", "") and b.size["width"] > 0]
    assert drawn, "no bar of the dashboard charts is drawn"
    for bar in bars:
        for name in ("x", "y", "width", "height"):
            float(bar.get_attribute(name))
    widths = browser.execute_script(
        "return Array.from(document.querySelectorAll('.dash svg rect')).map(r => r.getBBox().width)"
    )
    assert any(w > 0 for w in widths)
    shoot(browser, "admin-dashboard-ru")

    from loyalty.models import MerchantDailyStats
    from skypark.accounts.tests.factories import MerchantFactory

    merchant = MerchantFactory()
    for days_ago, sales in ((0, "1250.50"), (1, "640"), (3, "99.90"), (11, "777.70")):
        MerchantDailyStats.objects.create(
            merchant=merchant, date=timezone.localdate() - datetime.timedelta(days=days_ago), sales=Decimal(sales)
        )
    browser.get(f"{browser.base_url}/admin/loyalty/merchantdailystats/dashboard/")
    wait_loaded(browser)
    heights = browser.execute_script(
        "return Array.from(document.querySelectorAll('.mdash svg rect')).map(r => r.getBBox().height)"
    )
    assert len(heights) == 30 and sum(h > 0 for h in heights) == 4
    assert "2 768,10 сом" in plain(browser.find_element(By.ID, "content").text)
    shoot(browser, "admin-loyalty-dashboard-ru")


WALK = {
    "ru": ("", "1 250 сом", "10 декабря 2036, 18:30", "£80.50 с человека", "150,50 сом", "10 декабря 2036"),
    "ky": (
        "/ky",
        "1 250 сом",
        "2036-жылдын 10-декабры, 18:30",
        "бир адамга £80.50",
        "150,50 сом",
        "2036-жылдын 10-декабры",
    ),
    "en": ("/en", "1,250 som", "10 December 2036, 18:30", "£80.50 per person", "150.50 som", "10 December 2036"),
}


@pytest.mark.parametrize("language", list(WALK))
def test_priced_pages(browser, russian_default, language):
    """Event, course session and loyalty card on a phone and a desktop: the amounts and
    dates as a reader of the language expects them, and nothing scrolls sideways."""
    from bookings.tests.factories import CourseFactory, SessionFactory
    from events.tests.factories import EventFactory
    from loyalty.models import Coupon, Tier
    from loyalty.tests.factories import CouponFactory

    prefix, event_price, event_when, session_price, coupon_value, coupon_until = WALK[language]
    customer = UserFactory(language=language)
    starts = timezone.make_aware(datetime.datetime(2036, 12, 10, 18, 30))
    event = EventFactory(price=Decimal("1250.00"), currency="KGS", starts_at=starts)
    session = SessionFactory(course=CourseFactory(price=Decimal("80.50"), currency="GBP"))
    CouponFactory(customer=customer, kind=Coupon.Kind.FIXED, value=Decimal("150.50"), valid_until=starts)
    if not Tier.objects.filter(min_points__gt=0).exists():
        Tier.objects.get_or_create(min_points=0, defaults={"code": "base", "name": "Базовый"})
        Tier.objects.create(code="silver", name="Серебро", min_points=1000, order=1)
    browser.set_window_size(*SIZES["phone"])
    log_in(browser, prefix, customer.phone)

    browser.get(f"{browser.base_url}{prefix}/events/{event.pk}/")
    main = plain(browser.find_element(By.TAG_NAME, "main").text)
    assert event_price in main and event_when in main
    shoot(browser, f"event-{language}")

    browser.get(f"{browser.base_url}{prefix}/courses/sessions/{session.pk}/book/")
    main = plain(browser.find_element(By.TAG_NAME, "main").text)
    assert session_price in main
    shoot(browser, f"session-book-{language}")

    browser.get(f"{browser.base_url}{prefix}/loyalty/")
    main = plain(browser.find_element(By.TAG_NAME, "main").text)
    assert coupon_value in main and coupon_until in main
    progress = browser.find_element(By.ID, "tier-progress").get_property("value")
    assert isinstance(progress, (int, float))
    shoot(browser, f"loyalty-card-{language}", at="#tier-progress")
