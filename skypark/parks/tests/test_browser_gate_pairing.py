"""The gate page in a browser: child–guardian pairing through an outage (entry with the
order holder, an exit refused for an adult not on the list, the exit with a named
adult, all decided offline and merged when the server is back), and camera scanning
through the browser's BarcodeDetector (a stand-in injected before the page loads,
since Linux Chromium has none)."""

import pathlib
import tempfile
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.parks.gates import signing
from skypark.parks.models import GateScan, Park, ParkVisit, Ticket

from .factories import ParkFactory
from .test_browser_offline_gate import Relay, _open_gate, _relay_port, _wait, _waiting, chrome

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_DETECTOR = """
window.__detectorFormats = null;
window.__detectorCalls = 0;
window.BarcodeDetector = class {
  constructor(options) { window.__detectorFormats = (options || {}).formats; }
  static async getSupportedFormats() { return ["qr_code"]; }
  async detect(source) {
    window.__detectorCalls += 1;
    return source && source.videoWidth && window.__fakeCode ? [{ rawValue: window.__fakeCode, format: "qr_code" }] : [];
  }
};
"""


def _ticket(park, *, holder="Aida Kasymova", named=()):
    ticket = Ticket.objects.create(
        customer=UserFactory(name=holder),
        park=park,
        visit_date=timezone.localdate(),
        price=Decimal("500.00"),
        status=Ticket.Status.ACTIVE,
        children_data=[{"name": "Kid", "age": 5}, {"name": "Kid 2", "age": 7}],
        guardians=list(named),
    )
    ticket.qr_code = signing.ticket_code_sign(ticket)
    ticket.save(update_fields=["qr_code"])
    return ticket


def _scan_with_adult(driver, code, adult):
    """Types ``code``, picks ``adult`` (None: "not on the list") and returns the verdict."""
    driver.execute_script("document.querySelectorAll('[data-verdict]').forEach((e) => e.remove())")
    field = driver.find_element(By.ID, "id_code")
    field.clear()
    field.send_keys(code)
    driver.find_element(By.CSS_SELECTOR, ".scanner__submit").click()
    _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "[data-guardians]").is_displayed())
    labels = [b.get_attribute("data-guardian") for b in driver.find_elements(By.CSS_SELECTOR, "[data-guardian]")]
    if adult is None:
        driver.find_element(By.CSS_SELECTOR, "[data-guardian-none]").click()
    else:
        driver.find_element(By.CSS_SELECTOR, f"[data-guardian='{adult}']").click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-verdict]"))
    return labels, driver.find_element(By.CSS_SELECTOR, "[data-verdict]")


def test_children_leave_offline_only_with_a_listed_adult(live_server):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="gate-pairing-"))
    print(f"\nGate pairing screenshots: {folder}")
    park = ParkFactory(capacity=50, guardian_pairing=True)
    staff = StaffFactory(language="en")
    ticket = _ticket(park, named=["Bakyt O."])
    relay = Relay(_relay_port(), (live_server.thread.host, live_server.thread.port))
    relay.start()
    driver = chrome()
    try:
        _open_gate(driver, f"http://127.0.0.1:{relay.port}", staff, park, "east")
        relay.stop()  # the outage: everything below is decided on the device
        labels, verdict = _scan_with_adult(driver, ticket.qr_code, "Aida K.")
        assert labels == ["Aida K.", "Bakyt O."]
        assert verdict.get_attribute("data-verdict") == "admitted" and "With Aida K." in verdict.text
        assert "offline" in verdict.text
        driver.find_element(By.CSS_SELECTOR, "[data-mode]").click()  # exits from now on
        _labels, verdict = _scan_with_adult(driver, ticket.qr_code, None)
        assert verdict.get_attribute("data-verdict") == "refused"
        assert driver.find_element(By.CSS_SELECTOR, "[data-reason]").get_attribute("data-reason") == (
            "guardian_not_listed"
        )
        driver.save_screenshot(str(folder / "exit-refused.png"))
        labels, verdict = _scan_with_adult(driver, ticket.qr_code, "Bakyt O.")
        assert "Aida K. ✓" in driver.page_source or labels == ["Aida K.", "Bakyt O."]
        assert verdict.get_attribute("data-verdict") == "admitted" and "With Bakyt O." in verdict.text
        assert _waiting(driver) == 3
        relay.start()
        driver.execute_script("window.dispatchEvent(new Event('online'))")
        _wait(driver, lambda d: _waiting(d) == 0, timeout=40)
    finally:
        driver.save_screenshot(str(folder / "last.png"))
        driver.quit()
        relay.stop()

    scans = {(s.kind, s.admitted): s for s in GateScan.objects.filter(ticket=ticket)}
    assert len(scans) == 3
    assert (scans["entry", True].role, scans["entry", True].guardian) == ("admission", "Aida K.")
    assert (scans["exit", False].role, scans["exit", False].reason) == ("refusal", "guardian_not_listed")
    assert (scans["exit", True].role, scans["exit", True].guardian) == ("exit", "Bakyt O.")
    assert ParkVisit.objects.get(ticket=ticket).status == ParkVisit.Status.EXITED
    assert Park.objects.get(pk=park.pk).current_occupancy == 0


def test_the_camera_uses_the_browsers_barcode_detector_when_there_is_one(live_server):
    park = ParkFactory(capacity=50)
    staff = StaffFactory(language="en")
    ticket = _ticket(park)
    driver = chrome()
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FAKE_DETECTOR})
        _open_gate(driver, live_server.url, staff, park, "west")
        driver.execute_script("window.__fakeCode = arguments[0]", ticket.qr_code)
        driver.find_element(By.CSS_SELECTOR, "[data-camera]").click()
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-verdict]"), timeout=40)
        verdict = driver.find_element(By.CSS_SELECTOR, "[data-verdict]")
        assert verdict.get_attribute("data-verdict") == "admitted" and "offline" not in verdict.text
        assert driver.execute_script("return window.__detectorFormats") == ["qr_code"]
        assert driver.execute_script("return window.__detectorCalls") >= 1
        assert driver.execute_script("return typeof window.jsQR") == "undefined"  # the fallback never loaded
        driver.find_element(By.CSS_SELECTOR, "[data-camera]").click()
    finally:
        driver.quit()
    ticket.refresh_from_db()
    assert ticket.visits_used == 1
    assert GateScan.objects.get(ticket=ticket).node == "server"
