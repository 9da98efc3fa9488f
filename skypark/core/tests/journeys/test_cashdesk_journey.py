"""The cashier's pages in a real browser, in ru, ky and en, on a phone and a desktop: the
demo staff member opens a shift at a demo desk, takes cash for an order, shows the ELQR
code for another, and closes the shift with a count that is 10 som short."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from skypark.accounts.models import User
from skypark.cashdesk.models import CashDesk, Shift
from skypark.commerce.models import Order
from skypark.commerce.tests.factories import pending_order

from .walk import SIZES, Walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAYS = {
    "ru": {
        "desk": "Касса",
        "open": "Открыть смену",
        "drawer": "Наличных в кассе должно быть",
        "elqr": "Касса: оплата по ELQR",
        "closed": "недостача",
    },
    "ky": {
        "desk": "Касса",
        "open": "Сменаны ачуу",
        "drawer": "Кассада болушу керек накталай",
        "elqr": "Касса: ELQR менен төлөө",
        "closed": "кемчилик",
    },
    "en": {
        "desk": "Cash desk",
        "open": "Open a shift",
        "drawer": "Cash that should be in the drawer",
        "elqr": "Cashier: ELQR payment",
        "closed": "over/short",
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

    walk.open(f"/pay/cashier/elqr/?order={qr_order.reference}&till=ASIA1", "elqr-cashier")
    assert says["elqr"] in walk.text()
    walk.click("main form[method=post] [type=submit]", "elqr-code")
    assert browser.find_element(By.CSS_SELECTOR, ".pay-qr-block") is not None

    walk.open("/desk/", "desk-again")
    assert says["drawer"] in walk.text()
    walk.fill(**{"close-counted": "2570"})
    walk.click("main form input[value=close] ~ button", "closed", says["open"])
    shift = Shift.objects.get(desk=desk)
    assert shift.status == Shift.Status.CLOSED and str(shift.difference) == "-10.00"
