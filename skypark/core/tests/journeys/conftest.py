import datetime
import io

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


@pytest.fixture
def browser_nojs(browser):
    """The headless Chromium with JavaScript switched off for the page (DevTools'
    script-execution switch: the page's own scripts never run, while the test can still
    ask the browser about the page). ``Walk`` switches it on only for the moment of its
    accessibility audit, after the page has loaded without it."""
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    yield browser
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
