"""The cashier's pages in a real browser, in ru, ky and en, on a phone and a desktop: the
demo staff member opens a shift at a demo desk, takes cash for an order, sells park
tickets to a walk-in customer (the price first, then cash, then the ticket's QR with its
print link), shows the ELQR code for another order, and closes the shift with a count
that is 10 som short."""

import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from skypark.accounts.models import User
from skypark.cashdesk.models import CashDesk, Shift
from skypark.commerce.models import Order
from skypark.commerce.tests.factories import pending_order
from skypark.parks.models import Park, Ticket

from .walk import SIZES, Walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAYS = {
    "ru": {
        "desk": "Касса",
        "open": "Открыть смену",
        "drawer": "Наличных в кассе должно быть",
        "elqr": "Касса: оплата по ELQR",
        "closed": "недостача",
        "to_pay": "К оплате",
        "print": "Распечатать билет",
    },
    "ky": {
        "desk": "Касса",
        "open": "Сменаны ачуу",
        "drawer": "Кассада болушу керек накталай",
        "elqr": "Касса: ELQR менен төлөө",
        "closed": "кемчилик",
        "to_pay": "Төлөөгө",
        "print": "Билетти басып чыгаруу",
    },
    "en": {
        "desk": "Cash desk",
        "open": "Open a shift",
        "drawer": "Cash that should be in the drawer",
        "elqr": "Cashier: ELQR payment",
        "closed": "over/short",
        "to_pay": "To pay",
        "print": "Print the ticket",
    },
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_a_cashier_shift(browser, demo, walk_root, language, size):
    says = SAYS[language]
    staff = User.objects.get(phone="+996700000001")
    staff.language = language
    staff.save(update_fields=["language"])
    walk = Walk(
        browser,
        base_url=browser.base_url,
        language=language,
        size=size,
        folder=walk_root / f"cashdesk-{language}-{size}",
    )
    browser.get(browser.base_url + "/admin/login/")
    browser.find_element(By.ID, "id_username").send_keys("+996700000001")
    browser.find_element(By.ID, "id_password").send_keys("skypark-admin-2026")
    from skypark.accounts.tests.test_browser import click_and_wait

    click_and_wait(browser, "form [type=submit]")

    walk.open("/desk/", "desk")
    assert says["open"] in walk.text()
    desk = CashDesk.objects.get(code="ASIA1")
    Select(browser.find_element(By.ID, "id_open-desk")).select_by_value(str(desk.pk))
    walk.fill(**{"open-float_amount": "1000"})
    walk.click("main form [type=submit]", "shift-open", says["drawer"])

    buyer = User.objects.get(phone="+996555000000")
    cash_order, qr_order = pending_order(buyer), pending_order(buyer)
    walk.fill(**{"sale-order": cash_order.reference})
    browser.find_element(By.CSS_SELECTOR, "input[name='sale-how'][value='cash']").click()
    walk.click("main form input[value=sale] ~ button", "cash-sale", "SIMULATOR-ASIA1/1")
    assert Order.objects.get(pk=cash_order.pk).status == Order.Status.PAID

    park = Park.objects.get(slug="skypark-asia-mall")
    Select(browser.find_element(By.ID, "id_walkin-park")).select_by_value(str(park.pk))
    Select(browser.find_element(By.ID, "id_walkin-slot")).select_by_value(f"{park.pk}:afternoon")
    day = timezone.localdate() + datetime.timedelta(days=1)
    walk.fill(**{"walkin-visit_date": day.isoformat(), "walkin-ages": "2, 6", "walkin-names": "Aida, Bek"})
    browser.find_element(By.CSS_SELECTOR, "input[name='walkin-how'][value='cash']").click()
    walk.click("main form input[value=walkin] ~ div button[value=quote]", "walk-in-price", says["to_pay"])
    walk.click("main form input[value=walkin] ~ div button[value=sell]", "walk-in-ticket", says["print"], "Aida")
    ticket = Ticket.objects.get(park=park, children_data__0__name="Aida")
    assert ticket.status == Ticket.Status.ACTIVE and ticket.slot == "afternoon"
    assert ticket.order.total == 1380 and not ticket.customer.is_active
    assert browser.find_element(By.CSS_SELECTOR, ".ticket__qr svg") is not None

    walk.open(f"/pay/cashier/elqr/?order={qr_order.reference}&till=ASIA1", "elqr-cashier")
    assert says["elqr"] in walk.text()
    walk.click("main form[method=post] [type=submit]", "elqr-code")
    assert browser.find_element(By.CSS_SELECTOR, ".pay-qr-block") is not None

    walk.open("/desk/", "desk-again")
    assert says["drawer"] in walk.text()
    walk.fill(**{"close-counted": "3950"})
    walk.click("main form input[value=close] ~ button", "closed", says["open"])
    shift = Shift.objects.get(desk=desk)
    assert shift.status == Shift.Status.CLOSED and str(shift.difference) == "-10.00"
