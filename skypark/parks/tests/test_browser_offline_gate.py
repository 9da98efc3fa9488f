"""Two gate pages of one park through a real outage: the browsers reach the server
through a TCP relay that is shut down (connections refused), both admit the same ticket
offline — one by typing, one with the camera (Chromium's fake camera playing a video of
the QR code, decoded by the vendored decoder since Linux Chromium has no BarcodeDetector)
— and one admits another; when the relay is back the pages upload, and the server shows
every scan, one admission per ticket, the double entry, and the right occupancy."""

import os
import pathlib
import select
import socket
import tempfile
import threading
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.accounts.tests.test_browser import fill, submit
from skypark.commerce import qr
from skypark.parks.gates import signing
from skypark.parks.models import DoubleEntry, GateScan, Park, Ticket

from .factories import ParkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def _relay_port() -> int:
    """``GATE_RELAY_PORT``, or a port free now (two suites may run side by side)."""
    if os.environ.get("GATE_RELAY_PORT"):
        return int(os.environ["GATE_RELAY_PORT"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Relay:
    """127.0.0.1:<port> → the live server. ``stop`` closes the listener and every open
    connection: the browsers get refused connections, as in a real outage."""

    def __init__(self, port, target):
        self.port, self.target = port, target
        self.listener, self.conns, self.running = None, [], False

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(50)
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a, b):
        try:
            while self.running:
                ready, _w, _x = select.select([a, b], [], [], 0.5)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            return
        finally:
            for sock in (a, b):
                sock.close()

    def stop(self):
        self.running = False
        self.listener.close()
        for sock in self.conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self.conns = []


def qr_video(code: str, path: pathlib.Path):
    """A Y4M video (640×480, grey) showing ``code`` as a QR code, for the fake camera."""
    img = qr.qrcode.make(code, box_size=6, border=4).convert("L").resize((456, 456))
    from PIL import Image

    frame = Image.new("L", (640, 480), 255)
    frame.paste(img, (92, 12))
    y = frame.tobytes()
    uv = bytes([128]) * (320 * 240)
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F5:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            out.write(b"FRAME\n" + y + uv + uv)


def chrome(video=None):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--window-size=420,900",
        "--lang=en",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
    ):
        options.add_argument(flag)
    if video:
        options.add_argument(f"--use-file-for-fake-video-capture={video}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(3)
    return driver


def _ticket(park, visitors):
    ticket = Ticket.objects.create(
        customer=UserFactory(),
        park=park,
        visit_date=timezone.localdate(),
        price=Decimal("500.00"),
        status=Ticket.Status.ACTIVE,
        children_data=[{"name": f"Kid {i}", "age": 5} for i in range(visitors)],
    )
    ticket.qr_code = signing.ticket_code_sign(ticket)
    ticket.save(update_fields=["qr_code"])
    return ticket


def _wait(driver, test, timeout=30):
    WebDriverWait(driver, timeout, poll_frequency=0.3).until(lambda d: test(d))


def _open_gate(driver, base, staff, park, gate):
    with translation.override("en"):
        login_url, gate_url = reverse("accounts:login"), reverse("parks:gate")
    driver.get(base + login_url)
    fill(driver, "id_username", staff.phone)
    fill(driver, "id_password", PASSWORD)
    submit(driver)
    driver.get(base + gate_url)
    Select(driver.find_element(By.ID, "id_park")).select_by_value(str(park.pk))
    driver.find_element(By.ID, "id_gate").send_keys(gate)
    driver.find_element(By.CSS_SELECTOR, "[data-register]").click()
    _wait(driver, lambda d: "tickets" in d.find_element(By.CSS_SELECTOR, "[data-pack]").text)


def _type(driver, code):
    driver.execute_script("document.querySelectorAll('[data-verdict]').forEach((e) => e.remove())")
    field = driver.find_element(By.ID, "id_code")
    field.clear()
    field.send_keys(code)
    driver.find_element(By.CSS_SELECTOR, ".scanner__submit").click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-verdict]"))
    return driver.find_element(By.CSS_SELECTOR, "[data-verdict]")


def _waiting(driver):
    return int(driver.find_element(By.CSS_SELECTOR, "[data-waiting]").get_attribute("data-waiting"))


def test_two_gates_through_an_outage(live_server):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="gate-offline-"))
    print(f"\nOffline gate screenshots: {folder}")
    park = ParkFactory(capacity=50)
    staff = StaffFactory(language="en")
    shared, other, online_one = _ticket(park, 2), _ticket(park, 1), _ticket(park, 3)
    video = folder / "qr.y4m"
    qr_video(shared.qr_code, video)
    host, port = live_server.thread.host, live_server.thread.port
    relay_port = _relay_port()
    relay = Relay(relay_port, (host, port))
    relay.start()
    base = f"http://127.0.0.1:{relay_port}"
    typing, camera = chrome(), chrome(video=str(video))
    try:
        _open_gate(typing, base, staff, park, "north")
        _open_gate(camera, base, staff, park, "south")
        verdict = _type(typing, online_one.backup_code_display)
        assert verdict.get_attribute("data-verdict") == "admitted" and "offline" not in verdict.text

        relay.stop()  # the outage
        verdict = _type(typing, shared.qr_code)
        assert verdict.get_attribute("data-verdict") == "admitted" and "offline" in verdict.text
        typing.save_screenshot(str(folder / "north-offline-admitted.png"))
        verdict = _type(typing, other.backup_code.lower())
        assert verdict.get_attribute("data-verdict") == "admitted"
        camera.find_element(By.CSS_SELECTOR, "[data-camera]").click()
        _wait(camera, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-verdict]"), timeout=40)
        verdict = camera.find_element(By.CSS_SELECTOR, "[data-verdict]")
        assert verdict.get_attribute("data-verdict") == "admitted" and "offline" in verdict.text
        camera.find_element(By.CSS_SELECTOR, "[data-camera]").click()
        camera.save_screenshot(str(folder / "south-offline-camera.png"))
        assert (_waiting(typing), _waiting(camera)) == (2, 1)
        assert "Scans waiting to sync: 2" in typing.find_element(By.CSS_SELECTOR, "[data-waiting]").text
        assert GateScan.objects.filter(device__isnull=False).count() == 0

        relay.start()  # the server is back
        for driver in (typing, camera):
            driver.execute_script("window.dispatchEvent(new Event('online'))")
            _wait(driver, lambda d: _waiting(d) == 0, timeout=40)
        typing.save_screenshot(str(folder / "north-synced.png"))
    finally:
        for name, driver in (("north", typing), ("south", camera)):
            driver.save_screenshot(str(folder / f"{name}-last.png"))
            (folder / f"{name}-console.txt").write_text(
                "\n".join(str(e) for e in driver.get_log("browser")) if hasattr(driver, "get_log") else ""
            )
        typing.quit()
        camera.quit()
        relay.stop()

    assert GateScan.objects.filter(device__isnull=False).count() == 3
    assert GateScan.objects.filter(node="server").count() == 1
    shared.refresh_from_db()
    assert shared.visits_used == 1 and shared.status == Ticket.Status.USED
    double = DoubleEntry.objects.get()
    assert double.ticket == shared and {double.scan.gate, double.first_scan.gate} == {"north", "south"}
    assert Park.objects.get(pk=park.pk).current_occupancy == 3 + 2 + 1 + 2
