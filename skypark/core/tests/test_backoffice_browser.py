"""The back-office at 1280x900 in headless Chromium: navigation by section for a
superuser and for a restricted role, the customer page, and changelists with their export
links whose columns fit the screen. Screenshots go to the folder the test prints."""

import io
import os
import tempfile

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from selenium.webdriver.common.by import By

from skypark.accounts.tests.factories import StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READABLE = {
    "parks/ticket",
    "commerce/order",
    "bookings/booking",
    "events/registration",
    "accounts/user",
    "bookings/coursesession",
}
CHANGELISTS = [
    "parks/ticket",
    "commerce/order",
    "bookings/booking",
    "events/registration",
    "accounts/user",
    "bookings/coursesession",
    "events/event",
    "loyalty/ledgerentry",
]


@pytest.fixture
def shots():
    folder = os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="backoffice-shots-")
    os.makedirs(folder, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


def _login(browser, user):
    client = Client()
    client.force_login(user)
    browser.get(browser.base_url + "/admin/login/")
    browser.add_cookie(
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    )


def _open(browser, path, shots, name):
    browser.get(browser.base_url + path)
    browser.save_screenshot(os.path.join(shots, f"{name}.png"))
    return browser


def _fits(browser):
    return browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def _table_fits(browser):
    """The changelist's table shows every column without scrolling sideways."""
    return browser.execute_script(
        "const r = document.querySelector('#changelist .results'); return r.scrollWidth <= r.clientWidth + 1"
    )


def test_backoffice_walk_at_1280(browser, shots):
    from skypark.accounts.tests.test_customer_page import _give_everything

    UserFactory.reset_sequence(600_000)
    call_command("seed_demo", stdout=io.StringIO())
    customer = UserFactory(name="Aigerim Toktogulova", email="aigerim@example.kg")
    _give_everything(customer, 3)
    browser.set_window_size(1280, 900)

    _login(browser, StaffFactory())
    _open(browser, "/admin/", shots, "index-superuser")
    sections = [
        e.get_attribute("textContent").strip()
        for e in browser.find_elements(By.CSS_SELECTOR, "#content-main .module caption a")
    ]
    assert sections == ["Parks", "Events", "Courses", "Loyalty network", "Customers", "Finance", "System"]

    _open(browser, f"/admin/accounts/user/{customer.pk}/customer/", shots, "customer-page")
    text = browser.find_element(By.ID, "content-main").get_attribute("textContent")
    assert customer.orders.first().reference in text
    assert "Bonus balance" in text and "Park tickets" in text and "Audit trail" in text
    assert _fits(browser)

    for path in CHANGELISTS:
        _open(browser, f"/admin/{path}/", shots, "changelist-" + path.replace("/", "-"))
        links = [
            e.get_attribute("textContent")
            for e in browser.find_elements(By.CSS_SELECTOR, ".object-tools a.export-link")
        ]
        assert links == ["Export CSV", "Export XLSX"], path
        assert _fits(browser), path
        if path in READABLE:
            assert _table_fits(browser), path

    _open(browser, "/admin/parks/ticket/", shots, "ticket-filters")
    filters = browser.find_element(By.ID, "changelist-filter").text
    for label in ("Today", "Tomorrow", "Next 7 days", "This month", "Past"):
        assert label in filters

    parks_staff = UserFactory(is_staff=True)
    parks_staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_park", "view_ticket", "change_ticket", "view_parkvisit"])
    )
    browser.delete_all_cookies()
    _login(browser, parks_staff)
    _open(browser, "/admin/", shots, "index-parks-role")
    sections = [
        e.get_attribute("textContent").strip()
        for e in browser.find_elements(By.CSS_SELECTOR, "#content-main .module caption a")
    ]
    assert sections == ["Parks"]


@pytest.mark.parametrize("language, sections, finance", [("ru", "Разделы", "Финансы"), ("ky", "Бөлүмдөр", "Каржы")])
def test_backoffice_in_russian_and_kyrgyz(browser, shots, settings, language, sections, finance):
    """The back-office speaks the site's default language (its URLs carry no prefix)."""
    settings.LANGUAGE_CODE = language
    from skypark.accounts.tests.test_customer_page import _give_everything

    customer = UserFactory(name="Айгерим Токтогулова")
    _give_everything(customer, 2)
    browser.set_window_size(1280, 900)
    _login(browser, StaffFactory())
    _open(browser, "/admin/", shots, f"index-superuser-{language}")
    nav = browser.find_element(By.CSS_SELECTOR, "nav .sections-nav")
    assert nav.find_element(By.XPATH, "..").get_attribute("aria-label") == sections
    assert finance in nav.get_attribute("textContent")
    _open(browser, f"/admin/accounts/user/{customer.pk}/customer/", shots, f"customer-page-{language}")
    assert customer.orders.first().reference in browser.find_element(By.ID, "content-main").text
    assert _fits(browser)
