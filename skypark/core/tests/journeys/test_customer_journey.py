"""A new customer's whole first week, in a real browser, in Russian, Kyrgyz and English,
on a 390 × 844 phone and a 1280 × 900 desktop, on the demo data that ``make run`` loads:

sign up → add a child → log out and check a park's price and places → "log in and buy":
the log-in brings back the same form, filled and priced → pay with the sandbox card →
the result says paid and shows what was bought → the ticket with its QR and backup code →
the confirmation e-mail: a PDF whose text holds the backup code and whose QR decodes to the
ticket's code, and a calendar file that parses → "My orders" lists the purchase →
register for a paid event and pay → book a course with a discount code and pay → cancel
it on the confirmation page, which shows the policy's refund first → the booking says
partially refunded → the loyalty card with the points the purchases earned.

Every step is a ``Walk.step``: a screenshot, no sideways scrolling, no serious or critical
axe-core finding; and each asserts the words a person reads there, in their language.

On the phone the walk runs in a Chromium with JavaScript switched off (the customer pages
must work without it: buying, paying, cancelling, the card), on the desktop with it on;
each of the three languages is walked both ways. Layout does not depend on JavaScript, so
this covers both sizes and both modes without walking everything four times."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from icalendar import Calendar
from selenium.webdriver.common.by import By

from bookings.models import Booking, CourseSession
from events.models import Event
from skypark.accounts.models import User
from skypark.notify import sms
from skypark.notify.tests.pdf import attachment, pdf_qr_codes, pdf_text
from skypark.parks.models import Park, Ticket

from .walk import SIZES, Walk

pytestmark = [pytest.mark.browser, pytest.mark.embedded_walk, pytest.mark.django_db(transaction=True)]

PASSWORD = "long-secret-pass-1"
PHONE, E164 = "0555 321 654", "+996555321654"

JAVASCRIPT = {"phone": False, "desktop": True}


@pytest.fixture
def customer_browser(request, size):
    """Chromium with JavaScript off on the phone, on on the desktop."""
    return request.getfixturevalue("browser" if JAVASCRIPT[size] else "browser_nojs")


# What a person reads at each step, as written in each language.
SAYS = {
    "ru": {
        "signup": "Создайте аккаунт Sky Park",
        "signup_code": "Введите код из SMS",
        "hello": "Здравствуйте, Айгуль!",
        "add_child": "Добавить ребёнка",
        "children": "Ваши дети",
        "age_5": "5 лет",
        "log_in_and_buy": "Войти и купить",
        "buy": "Купить и оплатить",
        "places_left": "Осталось мест:",
        "to_pay": "К оплате",
        "paid": "Оплачено",
        "thanks": "Спасибо! Оплата получена.",
        "bought": "Что вы купили",
        "backup_code": "Резервный код",
        "mail_subject": "Ваш билет в",
        "my_orders": "Мои заказы",
        "order_paid": "оплачен",
        "register": "Зарегистрироваться",
        "discount": "Скидка WELCOME10",
        "your_refund": "Ваш возврат",
        "refund_50": "Это 50% от уплаченных вами",
        "partially_refunded": "частично возвращена",
        "loyalty": "Моя карта лояльности",
        "som": "сом",
    },
    "ky": {
        "signup": "Sky Park аккаунтуңузду түзүңүз",
        "signup_code": "SMS'теги кодду киргизиңиз",
        "hello": "Саламатсызбы, Айгуль!",
        "add_child": "Бала кошуу",
        "children": "Сиздин балдарыңыз",
        "age_5": "5 жашта",
        "log_in_and_buy": "Кирип, сатып алуу",
        "buy": "Сатып алуу жана төлөө",
        "places_left": "Калган орундар:",
        "to_pay": "Төлөнө турган сумма",
        "paid": "Төлөндү",
        "thanks": "Рахмат! Төлөмүңүз алынды.",
        "bought": "Эмне сатып алдыңыз",
        "backup_code": "Камдык код",
        "mail_subject": "үчүн билетиңиз",
        "my_orders": "Менин буйрутмаларым",
        "order_paid": "төлөндү",
        "register": "Катталуу",
        "discount": "Арзандатуу WELCOME10",
        "your_refund": "Сизге кайтарылуучу акча",
        "refund_50": "суммасынын 50%",
        "partially_refunded": "жарым-жартылай кайтарылды",
        "loyalty": "Менин лоялдуулук картам",
        "som": "сом",
    },
    "en": {
        "signup": "Create your Sky Park account",
        "signup_code": "Enter the code from the SMS",
        "hello": "Hello, Aigul!",
        "add_child": "Add a child",
        "children": "Your children",
        "age_5": "5 years old",
        "log_in_and_buy": "Log in and buy",
        "buy": "Buy and pay",
        "places_left": "Places left:",
        "to_pay": "To pay",
        "paid": "Paid",
        "thanks": "Thank you! Your payment has been received.",
        "bought": "What you bought",
        "backup_code": "Backup code",
        "mail_subject": "Your ticket to",
        "my_orders": "My orders",
        "order_paid": "paid",
        "register": "Register",
        "discount": "Discount WELCOME10",
        "your_refund": "Your refund",
        "refund_50": "That is 50% of the",
        "partially_refunded": "partially refunded",
        "loyalty": "My loyalty card",
        "som": "som",
    },
}
NAMES = {"ru": ("Айгуль", "Айбек"), "ky": ("Айгуль", "Айбек"), "en": ("Aigul", "Aibek")}
# 1 point per 10 som: the ticket (790) 79, the event (900) 90, the course (5,500 less 10 %)
# 495, less the half of it that the cancellation took back (247): 417.
POINTS = {"ru": "417 баллов", "ky": "417 упай", "en": "417 points"}


def birth_date(years):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=30)


class Customer(Walk):
    """The customer's side of a walk: paying is the same for every purchase."""

    def pay_with_sandbox_card(self, what):
        says = SAYS[self.language]
        self.driver.find_element(By.CSS_SELECTOR, "input[value='sandbox:visa']").click()
        self.click("main form [type=submit]", f"{what}-sandbox-card")
        self.fill(card_number="4242 4242 4242 4242", expiry="12/30", cvc="123")
        page = self.click("main form [type=submit]", f"{what}-paid", says["paid"], says["thanks"], says["bought"])
        assert says["to_pay"] not in page
        return page


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_a_new_customer_buys_registers_books_cancels_and_sees_the_card(
    customer_browser, demo, walk_root, language, size, mailoutbox
):
    browser = customer_browser
    says = SAYS[language]
    parent, child = NAMES[language]
    walk = Customer(
        browser,
        base_url=browser.base_url,
        language=language,
        size=size,
        folder=walk_root / f"customer-{language}-{size}",
        javascript=JAVASCRIPT[size],
    )

    # Sign up, then add a child.
    walk.open("/accounts/signup/", "signup")
    assert says["signup"] in walk.text()
    walk.fill(phone=PHONE, name=parent, email="aigul@example.kg", password1=PASSWORD, password2=PASSWORD)
    # The account is made once the code sent by SMS to the phone is entered.
    sms.outbox.clear()
    walk.click("main form [type=submit]", "signup-code", says["signup_code"], "+996 555 321 654")
    assert not User.objects.filter(phone=E164).exists()
    (message,) = sms.outbox
    assert message.to == E164
    walk.fill(code=re.search(r"\b(\d{6})\b", message.text).group(1))
    walk.click("main form [name=action][value=confirm] ~ .actions [type=submit]", "signed-up", says["hello"])
    customer = User.objects.get(phone=E164)
    assert customer.language == language
    customer.refresh_from_db()
    assert customer.phone_verified

    walk.open("/accounts/children/add/", "add-child")
    assert says["add_child"] in walk.text("h1")
    walk.fill(name=child, birth_date=birth_date(5).isoformat())
    walk.click("main form [type=submit]", "child-added", says["children"], child, says["age_5"])

    # Log out: the price and the places need no account.
    click_and_wait_logout(walk)
    park = Park.objects.get(slug="skypark-asia-mall")
    day = timezone.localdate() + datetime.timedelta(days=3)
    walk.open(f"/parks/{park.slug}/", "park")
    assert walk.text("h1") == getattr(park, f"name_{language}")
    walk.fill(visit_date=day.isoformat(), guest_0_name=child, guest_0_age="5")
    walk.click("main form button[name=quote]", "park-price", says["places_left"], f"{child} (5)", f"790 {says['som']}")
    assert walk.text("main form button[name=buy]") == says["log_in_and_buy"]

    # Buying asks for the log-in and comes back to the same form, filled and priced.
    walk.click("main form button[name=buy]", "log-in")
    assert "/accounts/login/" in browser.current_url
    walk.fill(username=PHONE, password=PASSWORD)
    walk.click("main form [type=submit]", "park-form-back", f"{child} (5)", f"790 {says['som']}")
    assert browser.current_url.split("?")[0] == walk.url(f"/parks/{park.slug}/")
    assert (walk.value("guest_0_name"), walk.value("guest_0_age")) == (child, "5")
    assert walk.value("visit_date") == day.isoformat()
    assert walk.text("main form button[name=buy]") == says["buy"]

    walk.click("main form button[name=buy]", "park-pay", says["to_pay"], f"790 {says['som']}")
    page = walk.pay_with_sandbox_card("park")
    assert getattr(park, f"name_{language}") in page and child in page
    ticket = Ticket.objects.get(order__customer=customer)
    walk.click("main a[href*='/parks/tickets/']", "ticket", says["backup_code"], ticket.backup_code_display)
    assert browser.find_element(By.CSS_SELECTOR, ".ticket__qr svg").is_displayed()

    # The confirmation e-mail: the ticket as a PDF and a calendar file, in their language.
    [message] = [m for m in mailoutbox if m.attachments and says["mail_subject"] in m.subject]
    assert message.to == ["aigul@example.kg"]
    _name, pdf, _type = attachment(message, ".pdf")
    assert ticket.backup_code_display in pdf_text(pdf) and says["backup_code"] in pdf_text(pdf)
    assert pdf_qr_codes(pdf) == [ticket.qr_code]
    [visit] = Calendar.from_ical(attachment(message, ".ics")[1]).walk("VEVENT")
    assert visit.decoded("dtstart").date() == day

    walk.open("/orders/", "my-orders")
    page = walk.text()
    assert says["my_orders"] in page and ticket.order.reference in page and says["order_paid"] in page
    assert browser.find_elements(By.CSS_SELECTOR, f"main a[href$='/{ticket.order.reference}/receipt.pdf']")

    # A paid event.
    event = Event.objects.filter(price__gt=0, starts_at__gt=timezone.now()).order_by("starts_at").first()
    walk.open(f"/events/{event.pk}/", "event")
    assert walk.text("h1") == getattr(event, f"title_{language}")
    assert walk.text("main form button[name=register]") == says["register"]
    walk.click("main form button[name=register]", "event-pay", says["to_pay"], f"900 {says['som']}")
    walk.pay_with_sandbox_card("event")
    walk.click("main a[href*='/events/registrations/']", "event-registration", getattr(event, f"title_{language}"))

    # A course session three days ahead (a 50 % refund), with a discount code.
    session = (
        CourseSession.objects.filter(
            course__currency="KGS", starts_at__date=timezone.localdate() + datetime.timedelta(days=3)
        )
        .select_related("course")
        .first()
    )
    price = session.course.price
    walk.open("/courses/sessions/", "sessions")
    walk.click(f"main a[href$='/courses/sessions/{session.pk}/book/']", "book")
    walk.fill(discount_code="WELCOME10")
    paid = price * Decimal("0.9")
    walk.click("main form button[name=apply]", "book-priced", says["discount"], money(paid, language))
    walk.click("main form button[name=book]", "course-pay", says["to_pay"], money(paid, language))
    walk.pay_with_sandbox_card("course")
    booking = Booking.objects.get(customer=customer)
    walk.click("main a[href*='/courses/bookings/']", "booking", booking.reference)

    walk.click(
        f"main a[href$='/courses/bookings/{booking.reference}/cancel/']",
        "cancel-confirm",
        says["your_refund"],
        money(paid / 2, language),
        says["refund_50"],
    )
    booking.refresh_from_db()
    assert booking.status != Booking.Status.CANCELLED  # nothing happens before the confirmation
    walk.click("#cancel-confirm", "cancelled", says["partially_refunded"])

    walk.open("/loyalty/", "loyalty-card")
    assert says["loyalty"] in walk.text("h1")
    # The page's own script runs only with JavaScript on; without it a link renews the code.
    renews_itself = browser.execute_script("return typeof window.skyparkCardRenew") == "function"
    assert renews_itself == JAVASCRIPT[size]
    if not renews_itself:
        walk.click("#card-code-renew", "loyalty-card-renewed", says["loyalty"])
    assert POINTS[language] in walk.text("#balance-h + p"), walk.text()
    # Dates and points in the history are never broken across lines ("+49 / 5").
    unbroken = browser.execute_script(
        "return [...document.querySelectorAll('main td.figure, main th.figure')].map(c => {"
        " const r = document.createRange(); r.selectNodeContents(c); return r.getClientRects().length; })"
    )
    assert unbroken and all(lines == 1 for lines in unbroken), unbroken


def money(amount, language):
    from skypark.core.formatting import format_money

    return format_money(amount, "KGS", language=language).replace("\xa0", " ")


def click_and_wait_logout(walk):
    from skypark.accounts.tests.test_browser import click_and_wait

    click_and_wait(walk.driver, "form[action*='logout'] [type=submit]")
