import pytest
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import clear_url_caches
from rest_framework.test import APIClient


@receiver(setting_changed)
def _language_code_changed(setting, **kwargs):
    """The URL resolver caches its reverse map per language, with or without the
    language prefix as LANGUAGE_CODE was at the time: a test that switches the default
    language (and the switch back) must not leave the other's URLs behind."""
    if setting in ("LANGUAGE_CODE", "LANGUAGES"):
        clear_url_caches()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from skypark.core.hotcache import forget_local_all

    cache.clear()
    forget_local_all()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the settings' language: a request served in another language
    leaves it active in the thread, and ``reverse()`` in the next test would follow it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def customer(db):
    from skypark.accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def customer_client(customer):
    client = APIClient()
    client.force_authenticate(customer)
    return client


@pytest.fixture
def staff_user(db):
    from skypark.accounts.tests.factories import StaffFactory

    return StaffFactory()


@pytest.fixture
def admin_client_logged(client, staff_user):
    client.force_login(staff_user)
    return client


CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def browser_driver():
    """Headless Debian Chromium driven by Selenium. CI installs chromium and
    chromium-driver (``.ci/run``); on a machine without them the browser tests skip,
    except under CI, where a missing browser is a failure."""
    import os
    import shutil

    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail("Chromium and chromedriver are required for browser tests in CI")
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=420,900",
        "--lang=en",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(3)
    yield driver
    driver.quit()


@pytest.fixture
def browser(browser_driver, live_server):
    browser_driver.delete_all_cookies()
    browser_driver.base_url = live_server.url
    return browser_driver


@pytest.fixture
def sms_codes(monkeypatch):
    """The one-time codes sent by SMS (sign-up, phone confirmation, password reset), as
    they are issued: a test that needs one reads it here rather than from a delivered
    message (the delivery itself is covered by the phone-code tests)."""
    from skypark.accounts import phone_codes

    codes = []
    text = phone_codes._sms_text

    def remember(policy, code, language):
        codes.append(code)
        return text(policy, code, language)

    monkeypatch.setattr(phone_codes, "_sms_text", remember)
    return codes


def pytest_terminal_summary(terminalreporter):
    """A run without PostgreSQL says loudly, last, that the locking tests did not run."""
    from django.db import connection

    from skypark.core.testing import postgres_banner, postgres_only_skips

    lines = postgres_banner(postgres_only_skips(terminalreporter.stats.get("skipped", [])), connection.vendor)
    if lines:
        terminalreporter.write_sep("!", "LOCKING TESTS NOT RUN", red=True, bold=True)
        for line in lines:
            terminalreporter.write_line(line, red=True, bold=True)
        terminalreporter.write_sep("!", red=True, bold=True)


def pytest_collection_modifyitems(config, items):
    """A test that drives Chromium is a browser test whether or not its module says so,
    so ``-m "not browser"`` leaves out every one of them."""
    for item in items:
        if "browser_driver" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
