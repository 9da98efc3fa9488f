"""A person's walk through the site in a real browser: each step is looked at the way a
person would — a screenshot on disk, no sideways scrolling on a phone, and an
accessibility audit with axe-core (vendored from npm under ``assets/``)."""

import json
import re
from pathlib import Path

from django.conf import settings
from selenium.webdriver.common.by import By

from skypark.accounts.tests.test_browser import click_and_wait, set_date
from skypark.core.tests.test_browser_phone import save_page

AXE = Path(__file__).with_name("assets") / "axe.min.js"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
# axe impacts that fail a walk; "moderate" and "minor" are reported, not failed.
BLOCKING = {"serious", "critical"}


def screenshot_root() -> Path:
    return Path(settings.BASE_DIR) / "var" / "walk"


class Walk:
    """One walk in one language at one window size. ``step`` checks the page in view and
    keeps a numbered screenshot, so a person can look at the whole walk afterwards."""

    def __init__(self, driver, *, base_url, language, size, folder, audit=True, javascript=True):
        self.driver = driver
        self.base_url = base_url
        self.language = language
        self.size = size
        self.folder = folder
        self.audit = audit
        self.javascript = javascript
        self.steps = 0
        self.findings = []
        width, height = SIZES[size]
        driver.set_window_size(width, height)
        # The window's outer size includes browser chrome: adjust so the page's viewport
        # is the phone's width.
        inner = driver.execute_script("return window.innerWidth")
        if inner != width:
            driver.set_window_size(width + (width - inner), height)
        folder.mkdir(parents=True, exist_ok=True)

    def url(self, path):
        """``path`` in this walk's language: Russian is unprefixed, the others carry
        their language code, as the site's own links do."""
        if self.language != settings.LANGUAGE_CODE and not path.startswith(f"/{self.language}/"):
            if not path.startswith(("/admin/", "/api/")):
                path = f"/{self.language}{path}"
        return self.base_url + path

    def open(self, path, name=None):
        self.driver.get(self.url(path))
        return self.step(name or path.strip("/").replace("/", "-") or "home")

    def text(self, css="main"):
        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def see(self, name, *texts, css="main"):
        """``step``, then the part of the page a person reads (``css``) must show each of
        ``texts``. Returns that part's text."""
        self.step(name)
        shown = self.text(css)
        for text in texts:
            assert text in shown, f"{name} ({self.language}, {self.size}): {text!r} is not on the page:\n{shown}"
        return shown

    def click(self, css, name, *texts, where="main"):
        """Click ``css`` (a link or a submit button), wait for the next page, then ``see``
        ``texts`` in its ``where`` part."""
        click_and_wait(self.driver, css)
        return self.see(name, *texts, css=where)

    def fill(self, **values):
        """Type into the fields by id (``id_`` is added); dates are given as ISO text."""
        for field, value in values.items():
            element = self.driver.find_element(By.ID, f"id_{field}")
            if element.get_attribute("type") in ("date", "time", "datetime-local"):
                set_date(self.driver, f"id_{field}", value)
            else:
                element.clear()
                element.send_keys(value)

    def value(self, field):
        return self.driver.find_element(By.ID, f"id_{field}").get_attribute("value")

    def step(self, name):
        """Screenshot, then check what every page must satisfy. Returns the main text."""
        self.steps += 1
        slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:60]
        path = self.folder / f"{self.steps:02d}-{slug}.png"
        save_page(self.driver, path)
        html_lang = self.driver.execute_script("return document.documentElement.lang")
        if not self.driver.current_url.startswith(self.base_url + "/admin/"):
            assert html_lang == self.language, (name, html_lang)
        scroll, inner = self.driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name}: the page scrolls sideways ({scroll} > {inner} px), see {path}"
        if self.audit:
            self._axe(name)
        return self.driver.find_element(By.TAG_NAME, "body").text

    def _axe(self, name):
        driver = self.driver
        if not self.javascript:
            # axe-core's checks are asynchronous: let scripts run for the audit only; the
            # page's own scripts were skipped when it loaded and do not run now.
            driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
        try:
            self._run_axe(name)
        finally:
            if not self.javascript:
                driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})

    def _run_axe(self, name):
        driver = self.driver
        if not driver.execute_script("return typeof window.axe === 'object'"):
            driver.execute_script(AXE.read_text(encoding="utf-8"))
        driver.set_script_timeout(60)
        result = driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']})
              .then(r => done(JSON.stringify(r.violations.map(v => ({
                  id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))))
              .catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));
            """
        )
        violations = json.loads(result)
        self.findings.extend({"step": name, **v} for v in violations)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"{name}: accessibility violations {json.dumps(blocking, ensure_ascii=False, indent=1)}"
