"""Every customer page on a 390 × 844 phone, in Russian: nothing scrolls sideways.

The pages come from the URLconf: every customer URL that takes no argument (a new page
is walked without anyone adding it here), plus the detail pages of the demo data and of
one customer's own purchases. Each page is opened as a visitor and as that customer.
Screenshots go to the folder the test prints."""

import base64
import datetime
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from selenium.webdriver.common.by import By

from bookings import services as booking_services
from bookings.models import Course, CourseSession
from events import services as event_services
from events.models import Event
from skypark.accounts.demo import CUSTOMER_PASSWORD, CUSTOMER_PHONE
from skypark.accounts.models import User
from skypark.accounts.tests.test_browser import fill, submit, wait_loaded
from skypark.commerce.services import payment_complete, payment_start
from skypark.parks import services as park_services
from skypark.parks.models import Park

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER_NAMESPACES = {"accounts", "commerce", "orders", "parks", "loyalty", "bookings", "events"}
# Not pages a customer opens: POST-only endpoints and staff pages.
NOT_CUSTOMER_PAGES = {
    "accounts:logout",
    "commerce:sandbox-callback",
    "commerce:stripe-webhook",
    "commerce:cashier-elqr",
    "parks:gate",
    "events:check-in",
}
PHONE = (390, 844)


def screenshot_dir(name) -> Path:
    root = Path(os.environ.get("SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "skypark-screenshots")
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nScreenshots: {folder}")
    return folder


def save_page(driver, path: Path) -> None:
    """A screenshot of the whole page, not only the part in the window."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    # Captured beyond the viewport, the page is laid out without its vertical scrollbar, so
    # it is as wide as the window: a clip at the content's width would cut off the right edge.
    width = max(size["width"], driver.execute_script("return window.innerWidth"))
    clip = {"x": 0, "y": 0, "width": width, "height": min(size["height"], 6000), "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip})
    path.write_bytes(base64.b64decode(shot["data"]))


def no_argument_urls() -> list[str]:
    """Every customer URL of the URLconf that needs no argument, in Russian."""
    names = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groups:
                if namespace in CUSTOMER_NAMESPACES or (namespace is None and entry.name == "home"):
                    names.append(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns, None)
    with translation.override("ru"):
        urls = [reverse(name) for name in names if name not in NOT_CUSTOMER_PAGES]
    return [url for url in urls if "." not in url.rsplit("/", 1)[-1]]


def pay(order):
    payment, _action = payment_start(order=order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)


def demo_pages(customer) -> list[str]:
    """Detail pages of the demo data and of the customer's own purchases, in Russian."""
    park = Park.objects.order_by("pk").first()
    session = CourseSession.objects.filter(status__in=CourseSession.OPEN_STATUSES).order_by("starts_at").first()
    event = Event.objects.filter(status="published", starts_at__gt=timezone.now()).order_by("starts_at").first()
    ticket = park_services.ticket_order_create(
        customer=customer,
        park=park,
        visit_date=timezone.localdate() + datetime.timedelta(days=1),
        slot=park.slots.order_by("pk").values_list("code", flat=True).first() or "",
        visitors=[{"name": "Айбек Жумабеков-Токтогулов", "age": 5}],
    )
    pay(ticket.order)
    booking = booking_services.booking_create(customer=customer, session=session)
    registration = event_services.registration_create(customer=customer, event=event)
    _payment, action = payment_start(order=booking.order, provider="sandbox", method="visa")
    with translation.override("ru"):
        pages = [reverse("parks:park-detail", args=[p.slug]) for p in Park.objects.all()]
        pages += [reverse("events:event-detail", args=[e.pk]) for e in Event.objects.filter(status="published")[:5]]
        pages += [reverse("bookings:course-detail", args=[c.pk]) for c in Course.objects.filter(is_active=True)]
        pages += [
            reverse("bookings:session-book", args=[session.pk]),
            reverse("parks:ticket-detail", args=[ticket.pk]),
            reverse("commerce:order-result", args=[ticket.order.reference]),
            reverse("commerce:order-pay", args=[booking.order.reference]),
            reverse("commerce:order-result", args=[booking.order.reference]),
            reverse("bookings:booking-detail", args=[booking.reference]),
            reverse("events:registration-detail", args=[registration.pk]),
            reverse("commerce:sandbox-page", args=[urlparse(action.redirect_url).path.rstrip("/").rsplit("/", 1)[1]]),
        ]
    return pages


def overflowing(driver) -> int:
    return driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")


def test_no_customer_page_scrolls_sideways_on_a_phone_in_russian(browser):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    customer = User.objects.get(phone=CUSTOMER_PHONE)
    pages = no_argument_urls()
    assert {"/ru/", "/ru/parks/", "/ru/orders/", "/ru/courses/sessions/", "/ru/accounts/profile/"} <= set(pages)
    pages += demo_pages(customer)
    folder = screenshot_dir("phone-ru")
    browser.set_window_size(*PHONE)
    wide = []

    def visit(who):
        for number, path in enumerate(pages):
            browser.get(browser.base_url + path)
            wait_loaded(browser)
            assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru", path
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:60]
            save_page(browser, folder / f"{who}-{number:02d}-{slug}.png")
            if overflowing(browser) > 0:
                wide.append((who, path, overflowing(browser)))

    visit("visitor")
    browser.get(browser.base_url + "/ru/accounts/login/")
    fill(browser, "id_username", CUSTOMER_PHONE)
    fill(browser, "id_password", CUSTOMER_PASSWORD)
    submit(browser)
    visit("customer")
    assert wide == []
