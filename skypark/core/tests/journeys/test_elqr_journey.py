"""Paying a park ticket with ELQR, in a real browser, on the demo data: the demo customer
logs in, buys a ticket for a guest, picks ELQR on the payment page (named as itself, with
its logo area and the simulator's label), gets the status page — on a phone the bank
app's link instead of the QR, on a desktop the QR — opens the simulated bank app, confirms,
and lands on the paid result. Every step is a ``Walk.step`` (screenshot, no sideways
scrolling, no serious axe finding)."""

import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from skypark.commerce.elqr.parse import parse
from skypark.commerce.models import Payment
from skypark.parks.models import Ticket

from .walk import SIZES, Walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JAVASCRIPT = {"phone": False, "desktop": True}
SAYS = {
    "ru": {
        "elqr": "ELQR (симулятор, без настоящих денег)",
        "pay_with": "Оплата через ELQR",
        "app": "Открыть приложение банка для оплаты",
        "simulator": "Симулятор ELQR",
        "paid": "Оплачено",
        "pending": "Ожидает",
    },
    "ky": {
        "elqr": "ELQR (симулятор, чыныгы акча жок)",
        "pay_with": "ELQR аркылуу төлөө",
        "app": "Төлөө үчүн банктын тиркемесин ачуу",
        "simulator": "ELQR симулятору",
        "paid": "",
        "pending": "",
    },
    "en": {
        "elqr": "ELQR (simulator, no real money)",
        "pay_with": "Pay with ELQR",
        "app": "Open the bank app to pay",
        "simulator": "ELQR simulator",
        "paid": "Paid",
        "pending": "",
    },
}


@pytest.fixture
def pay_browser(request, size):
    return request.getfixturevalue("browser" if JAVASCRIPT[size] else "browser_nojs")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_a_park_ticket_paid_with_elqr(pay_browser, demo, walk_root, language, size):
    from skypark.accounts.models import User

    browser = pay_browser
    says = SAYS[language]
    customer = User.objects.get(phone="+996555000000")
    customer.language = language
    customer.save(update_fields=["language"])
    walk = Walk(
        browser,
        base_url=browser.base_url,
        language=language,
        size=size,
        folder=walk_root / f"elqr-{language}-{size}",
        javascript=JAVASCRIPT[size],
    )
    walk.open("/accounts/login/", "log-in")
    walk.fill(username="+996555000000", password="skypark-demo-2026")
    walk.click("main form [type=submit]", "logged-in")

    day = timezone.localdate() + datetime.timedelta(days=2)
    walk.open("/parks/skypark-asia-mall/", "park")
    walk.fill(visit_date=day.isoformat(), guest_0_name="Айбек", guest_0_age="6")
    walk.click("main form button[name=buy]", "pay-page", says["elqr"])
    for method in ("elqr", "mbank", "omoney", "elcard"):
        assert browser.find_element(By.CSS_SELECTOR, f".pay-logo--{method}").is_displayed()

    browser.find_element(By.CSS_SELECTOR, "input[value='elqr:elqr']").click()
    walk.click("main form [type=submit]", "elqr-status", says["pay_with"])
    payment = Payment.objects.get(order__customer=customer, provider="elqr")
    parsed = parse(payment.metadata["qr_payload"])
    assert (
        parsed.currency == "417" and parsed.country == "KG" and parsed.templates["62"]["01"] == payment.order.reference
    )
    app_link = browser.find_element(By.CSS_SELECTOR, ".pay-app a")
    qr = browser.find_element(By.CSS_SELECTOR, ".pay-qr svg")
    if size == "phone":
        # The phone is the device that pays: the bank app's link, not a QR to scan.
        assert app_link.is_displayed() and not qr.is_displayed()
        assert app_link.text == says["app"]
        walk.click(".pay-app a", "simulated-bank-app", says["simulator"])
    else:
        assert qr.is_displayed() and not app_link.is_displayed()
        walk.click(".simulator-banner a", "simulated-bank-app", says["simulator"])
    walk.click("main form button[value=paid]", "paid", *([says["paid"]] if says["paid"] else []))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    ticket = Ticket.objects.get(order=payment.order)
    assert ticket.status == Ticket.Status.ACTIVE
