"""The whole purchase in a real headless browser, in Russian, on a phone (390 × 844) and
on a desktop (1280 × 900), asserting what the person sees at each step:

- a park ticket: check the price without logging in → "log in and buy" → log in → the
  same form comes back filled and priced → buy → sandbox card → the result says paid and
  shows what was bought → the ticket with its QR;
- a paid event registration → pay → result → the registration;
- a course booking with a discount code → pay → result → the booking;
- "My orders" lists all three, newest first, as paid.

On the phone every page must fit the screen (no sideways scrolling). Screenshots of each
step go to the folder the test prints."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from bookings.tests.factories import CourseFactory, DiscountCodeFactory, SessionFactory, VenueFactory
from events.tests.factories import EventFactory
from skypark.accounts.tests.factories import UserFactory
from skypark.accounts.tests.test_browser import click_and_wait, fill, set_date, submit
from skypark.core.tests.test_browser_phone import save_page, screenshot_dir
from skypark.parks.tests.factories import ParkFactory

pytestmark = [pytest.mark.browser, pytest.mark.embedded_walk, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
PASSWORD = "pass-word-123"


class Walk:
    def __init__(self, driver, folder, size_name):
        self.driver, self.folder, self.size_name = driver, folder, size_name
        self.step = 0

    def open(self, path):
        self.driver.get(self.driver.base_url + path)

    def main(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "main").text

    def see(self, name, *texts):
        """Screenshot the page, check it fits a phone, and that it shows ``texts``."""
        self.step += 1
        save_page(self.driver, self.folder / f"{self.size_name}-{self.step:02d}-{name}.png")
        assert self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
        if self.size_name == "phone":
            extra = self.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert extra <= 0, f"{name} scrolls sideways by {extra}px"
        page = self.main()
        for text in texts:
            assert text in page, f"{name}: {text!r} not in {page!r}"
        return page

    def pay_with_sandbox_card(self):
        self.driver.find_element(By.CSS_SELECTOR, "input[value='sandbox:visa']").click()
        submit(self.driver)
        self.see("sandbox-card", "Тестовая оплата картой")
        fill(self.driver, "id_card_number", "4242 4242 4242 4242")
        fill(self.driver, "id_expiry", "12/30")
        fill(self.driver, "id_cvc", "123")
        submit(self.driver)


@pytest.mark.parametrize("size_name", list(SIZES))
def test_buy_a_ticket_register_for_an_event_and_book_a_course_in_russian(browser, size_name):
    browser.set_window_size(*SIZES[size_name])
    walk = Walk(browser, screenshot_dir(f"purchase-{size_name}"), size_name)
    customer = UserFactory(language="ru", name="Айгуль")
    park = ParkFactory(name="Скай Парк Дордой", price_under_3=Decimal("590"), price_over_3=Decimal("790"))
    event = EventFactory(title="Семейный квиз", price=Decimal("300"), currency="KGS")
    session = SessionFactory(
        course=CourseFactory(name="Первая помощь детям", price=Decimal("100")),
        venue=VenueFactory(name="Учебный центр", city="Бишкек"),
    )
    DiscountCodeFactory(code="WELCOME20", discount_value=Decimal("20"))
    day = timezone.localdate() + datetime.timedelta(days=1)

    # The park: price and places for a child's age, without logging in.
    walk.open(f"/ru/parks/{park.slug}/")
    set_date(browser, "id_visit_date", day.isoformat())
    fill(browser, "id_guest_0_name", "Айбек")
    fill(browser, "id_guest_0_age", "5")
    click_and_wait(browser, "main form button[name=quote]")
    walk.see("park-price-anonymous", "Айбек (5)", "790 сом", "Осталось мест: 50")
    assert browser.find_element(By.CSS_SELECTOR, "main form button[name=buy]").text == "Войти и купить"

    # Buying needs a log-in; the form comes back filled and priced.
    click_and_wait(browser, "main form button[name=buy]")
    assert "/accounts/login/" in browser.current_url
    walk.see("login")
    fill(browser, "id_username", customer.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)
    assert browser.current_url.endswith(f"/ru/parks/{park.slug}/")
    walk.see("park-form-restored", "Айбек (5)", "790 сом")
    assert browser.find_element(By.ID, "id_guest_0_name").get_attribute("value") == "Айбек"
    assert browser.find_element(By.ID, "id_guest_0_age").get_attribute("value") == "5"
    assert browser.find_element(By.ID, "id_visit_date").get_attribute("value") == day.isoformat()

    click_and_wait(browser, "main form button[name=buy]")
    walk.see("park-pay", "К оплате", "790 сом")
    walk.pay_with_sandbox_card()
    page = walk.see("park-result", "Оплачено", "Спасибо! Оплата получена.", "Скай Парк Дордой", "Айбек")
    assert "К оплате" not in page
    assert day.strftime("%d.%m.%Y") in page
    click_and_wait(browser, "main a[href*='/parks/tickets/']")
    walk.see("park-ticket", "Айбек (5)")
    assert browser.find_element(By.CSS_SELECTOR, ".ticket__qr svg").is_displayed()

    # An event: register, pay, see the registration.
    walk.open(f"/ru/events/{event.pk}/")
    walk.see("event", "Семейный квиз", "300")
    click_and_wait(browser, "main form button[name=register]")
    walk.see("event-pay", "К оплате", "300 сом")
    walk.pay_with_sandbox_card()
    walk.see("event-result", "Оплачено", "Семейный квиз", "Айгуль")
    click_and_wait(browser, "main a[href*='/events/registrations/']")
    walk.see("event-registration", "Семейный квиз")

    # A course: from the sessions list, with a discount code.
    walk.open("/ru/courses/sessions/")
    walk.see("sessions", "Первая помощь детям", "Учебный центр")
    click_and_wait(browser, f"main a[href$='/courses/sessions/{session.pk}/book/']")
    fill(browser, "id_discount_code", "WELCOME20")
    click_and_wait(browser, "main form button[name=apply]")
    walk.see("course-price", "£80")
    click_and_wait(browser, "main form button[name=book]")
    walk.see("course-pay", "К оплате", "£80")
    walk.pay_with_sandbox_card()
    walk.see("course-result", "Оплачено", "Первая помощь детям", "Учебный центр")
    click_and_wait(browser, "main a[href*='/courses/bookings/']")
    walk.see("course-booking", "Первая помощь детям")

    # My orders, from the navigation: all three, newest first, paid, each with a receipt.
    click_and_wait(browser, "header a[href='/ru/orders/']")
    page = walk.see("my-orders", "Мои заказы", "Скай Парк Дордой", "Семейный квиз", "Первая помощь детям")
    assert page.index("Первая помощь детям") < page.index("Семейный квиз") < page.index("Скай Парк Дордой")
    assert len(browser.find_elements(By.CSS_SELECTOR, "main a[href$='/receipt.pdf']")) == 3
