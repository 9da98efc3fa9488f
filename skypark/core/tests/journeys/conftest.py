import datetime
import io
import os

import pytest
from django.core.management import call_command

from .walk import screenshot_root


@pytest.fixture(scope="session")
def walk_root(request):
    """One folder of screenshots per test session, named in the test report so a person
    can open it."""
    root = screenshot_root() / datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    root.mkdir(parents=True, exist_ok=True)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    yield root
    if reporter is not None:
        reporter.write_line(f"walk screenshots: {root}")


@pytest.fixture
def demo(transactional_db):
    """The demo seed (parks, events, courses, merchants, the staff superuser) loaded the
    way ``make run`` loads it."""
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture(scope="session")
def browser_driver_nojs():
    """A second headless Chromium with JavaScript switched off, for the pages that must
    work without it."""
    import shutil

    from conftest import CHROMEDRIVER, CHROMIUM

    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail("Chromium and chromedriver are required for browser tests in CI")
        pytest.skip("Chromium is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--lang=en",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(3)
    yield driver
    driver.quit()
