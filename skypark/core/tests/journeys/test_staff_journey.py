"""A day at the front desk and in the back office, in a real browser, in every language the
back office speaks (it speaks the site's default language, so each walk runs with that
language as the default), at 390 × 844 and 1280 × 900, on the demo data:

a customer shows a printed ticket or says a phone number → staff find the ticket by the
backup code as printed, in lower case and without the dash, and by the phone as people
type it → the gate scanner admits it → a second scan is refused with when and at which
gate it was used → the dashboard's charts are drawn (every number in the SVG parses) →
the back office is organised by area, and a park manager sees only parks → the customer
page shows the customer's orders and bonus balance → the tickets list, filtered, exports
to an XLSX file that openpyxl opens and that holds exactly the filtered rows.

Every step is a ``Walk.step`` (screenshot, no sideways scrolling, axe-core)."""

import datetime
import io
import re
import time

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from loyalty.services import spendable_points
from skypark.accounts import services as accounts
from skypark.accounts.demo import STAFF_PASSWORD, STAFF_PHONE
from skypark.accounts.models import User
from skypark.commerce.services import payment_complete, payment_start
from skypark.parks import services as parks
from skypark.parks.models import Park, Ticket

from .walk import SIZES, Walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAYS = {
    "ru": {
        "admitted": "ПРОХОД РАЗРЕШЁН",
        "visitors_2": "2 посетителя",
        "refused": "ПРОХОД ЗАПРЕЩЁН",
        "used": "Этот билет уже использован.",
        "sections": ["Парки", "События", "Курсы", "Сеть лояльности", "Клиенты", "Финансы", "Система"],
        "balance": "Бонусный баланс",
        "export": "Выгрузить XLSX",
    },
    "ky": {
        "admitted": "КИРҮҮГӨ УРУКСАТ",
        "visitors_2": "2 келүүчү",
        "refused": "КИРҮҮГӨ УРУКСАТ ЖОК",
        "used": "Бул билет мурунтан колдонулган.",
        "sections": ["Парктар", "Иш-чаралар", "Курстар", "Лоялдуулук тармагы", "Кардарлар", "Каржы", "Система"],
        "balance": "Бонус балансы",
        "export": "XLSX экспорттоо",
    },
    "en": {
        "admitted": "ADMITTED",
        "visitors_2": "2 visitors",
        "refused": "REFUSED",
        "used": "This ticket has already been used.",
        "sections": ["Parks", "Events", "Courses", "Loyalty network", "Customers", "Finance", "System"],
        "balance": "Bonus balance",
        "export": "Export XLSX",
    },
}
NUMERIC_SVG_ATTRIBUTES = ("x", "y", "width", "height", "x1", "x2", "y1", "y2", "cx", "cy", "r")


def paid_ticket(customer, park, day, *names):
    """A ticket bought and paid the way the site does it (the checkout, the sandbox)."""
    children = [
        accounts.child_add(parent=customer, name=name, birth_date=day.replace(year=day.year - 5)) for name in names
    ]
    ticket = parks.ticket_order_create(
        customer=customer, park=park, visit_date=day, visitors=[{"child_id": c.pk} for c in children]
    )
    payment, _action = payment_start(order=ticket.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    ticket.refresh_from_db()
    return ticket


def log_in(walk, phone, password):
    walk.driver.delete_all_cookies()
    walk.open("/admin/login/", "admin-login")
    walk.fill(username=phone, password=password)
    walk.click("#login-form [type=submit]", "admin-index")


def search(walk, path, query, name):
    walk.open(path, name)
    box = walk.driver.find_element(By.ID, "searchbar")
    box.clear()
    box.send_keys(query)
    walk.click("#changelist-search [type=submit]", name)
    return [row.text for row in walk.driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")]


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_staff_find_admit_and_refuse_a_ticket_then_run_the_back_office(
    browser, demo, walk_root, settings, language, size
):
    settings.LANGUAGE_CODE = language
    says = SAYS[language]
    walk = Walk(
        browser, base_url=browser.base_url, language=language, size=size, folder=walk_root / f"staff-{language}-{size}"
    )
    park = Park.objects.get(slug="skypark-dordoi-plaza")
    customer = accounts.customer_register(
        phone="+996555123987", password="long-secret-pass-1", name="Айгерим Токтогулова", language=language
    )
    ticket = paid_ticket(customer, park, timezone.localdate(), "Алиса", "Тимур")
    other = accounts.customer_register(phone="+996700111222", password="long-secret-pass-1", name="Other Parent")
    paid_ticket(other, park, timezone.localdate() + datetime.timedelta(days=1), "Bek")

    User.objects.filter(phone=STAFF_PHONE).update(language=language)  # pages follow the person's language
    log_in(walk, STAFF_PHONE, STAFF_PASSWORD)
    printed = ticket.backup_code_display  # as on the ticket: "65BF-WPKV"
    for spelling, how in (
        (printed, "as-printed"),
        (printed.lower(), "lower-case"),
        (printed.replace("-", ""), "no-dash"),
    ):
        rows = search(walk, "/admin/parks/ticket/", spelling, f"find-ticket-{how}")
        assert len(rows) == 1 and printed in rows[0], rows
    rows = search(walk, "/admin/parks/ticket/", "0555 123 987", "find-ticket-by-phone")
    assert len(rows) == 1 and printed in rows[0], rows

    # The gate: admitted with who comes in, then the same code again is refused with when
    # and where it was used.
    walk.open("/parks/gate/", "gate")
    Select(browser.find_element(By.ID, "id_park")).select_by_value(str(park.pk))
    walk.fill(gate="Вход 2", code=printed.lower())
    page = walk.click("main form [type=submit]", "gate-admitted", says["admitted"], says["visitors_2"])
    assert "Алиса (5)" in page and "Тимур (5)" in page
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.USED
    walk.fill(code=printed)
    page = walk.click("main form [type=submit]", "gate-refused", says["refused"], says["used"], "Вход 2")
    used_at = timezone.localtime(Ticket.objects.get(pk=ticket.pk).used_at)
    assert used_at.strftime("%H:%M") in page

    # The dashboard: every chart drawn with numbers a browser can read.
    walk.open("/admin/", "dashboard")
    charts = browser.find_elements(By.CSS_SELECTOR, ".dash svg")
    assert charts, "the dashboard draws no chart"
    values = browser.execute_script(
        "return Array.from(document.querySelectorAll('.dash svg *')).flatMap(e =>"
        " arguments[0].filter(a => e.hasAttribute(a)).map(a => [e.tagName, a, e.getAttribute(a)]))",
        list(NUMERIC_SVG_ATTRIBUTES),
    )
    assert values
    for tag, attribute, value in values:
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), (tag, attribute, value)
        float(value)
    bars = [rect.rect for svg in charts for rect in svg.find_elements(By.TAG_NAME, "rect")]
    assert any(bar["height"] > 0 and bar["width"] > 0 for bar in bars)

    # Navigation by area, on the index and as a page per area.
    sections = [
        e.get_attribute("textContent").strip() for e in browser.find_elements(By.CSS_SELECTOR, ".sections-nav a")
    ]
    assert sections == says["sections"]
    walk.click(".sections-nav a[href$='/section/parks/']", "section-parks", says["sections"][0], where="#content")

    # The customer page.
    walk.open(f"/admin/accounts/user/{customer.pk}/customer/", "customer-page")
    page = walk.text("#content")
    assert ticket.order.reference in page and says["balance"] in page
    assert str(spendable_points(customer)) in page and customer.name in page

    # The tickets list filtered to today's visits, exported to XLSX.
    today = timezone.localdate().isoformat()
    walk.open(f"/admin/parks/ticket/?visit_date__gte={today}&visit_date__lt={today}%2000:00:01", "tickets-today")
    shown = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")]
    link = browser.find_element(By.CSS_SELECTOR, ".object-tools a.export-link[href*='/xlsx/']")
    assert link.get_attribute("textContent").strip() == says["export"]
    book = openpyxl.load_workbook(io.BytesIO(download(walk, link)))
    rows = [[cell.value for cell in row] for row in book.active.iter_rows()]
    exported = [str(cell) for row in rows[1:] for cell in row]
    assert len(rows) - 1 == len(shown) >= 1
    assert printed in exported or ticket.backup_code in exported

    # A park manager (the role the demo sets up) sees parks, and the customers and orders
    # that parks need, and nothing of events, courses, the loyalty network or the system.
    manager = accounts.customer_register(
        phone="+996700222333", password="long-secret-pass-1", name="Park Manager", language=language
    )
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    manager.groups.add(Group.objects.get(name="Park managers"))
    log_in(walk, "+996700222333", "long-secret-pass-1")
    sections = [
        e.get_attribute("textContent").strip() for e in browser.find_elements(By.CSS_SELECTOR, ".sections-nav a")
    ]
    parks_area, _events, _courses, _network, customers, finance, _system = says["sections"]
    assert sections == [parks_area, customers, finance]


def download(walk, link) -> bytes:
    """Click a download link and return the file Chromium saved."""
    folder = walk.folder / "downloads"
    folder.mkdir(exist_ok=True)
    walk.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    before = set(folder.iterdir())
    link.click()
    for _ in range(100):
        new = [p for p in set(folder.iterdir()) - before if not p.name.endswith(".crdownload")]
        if new:
            return new[0].read_bytes()
        time.sleep(0.1)
    raise AssertionError("the export was not downloaded")
