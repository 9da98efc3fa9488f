"""My data in a real headless browser, without JavaScript: from the profile to the file,
then to erasure with the password; the customer ends signed out and erased."""

import os

import pytest
from selenium.webdriver.common.by import By

from skypark.accounts.models import User
from skypark.accounts.tests.factories import UserFactory
from skypark.accounts.tests.test_browser import click_and_wait, fill, submit, wait_loaded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp/privacy-screens")


def shot(driver, name, width, height):
    os.makedirs(SHOTS, exist_ok=True)
    driver.set_window_size(width, height)
    driver.save_screenshot(os.path.join(SHOTS, f"{name}-{width}.png"))


def log_in(driver, user, prefix):
    driver.get(f"{driver.base_url}{prefix}/accounts/login/")
    fill(driver, "id_username", user.phone)
    fill(driver, "id_password", "pass-word-123")
    submit(driver)


@pytest.mark.parametrize("language, prefix", [("ru", "/ru"), ("ky", "/ky"), ("en", "")])
def test_my_data_page_and_erasure_without_javascript(browser, language, prefix):
    user = UserFactory(name="Айгерим", language=language)
    browser.set_window_size(390, 844)
    log_in(browser, user, prefix)
    browser.get(f"{browser.base_url}{prefix}/accounts/profile/")
    click_and_wait(browser, f"a[href='{prefix}/accounts/profile/data/']")
    assert browser.find_element(By.CSS_SELECTOR, f"a[href='{prefix}/accounts/profile/data/download/']")
    shot(browser, f"my-data-{language}", 390, 844)
    shot(browser, f"my-data-{language}", 1280, 900)

    browser.set_window_size(390, 844)
    click_and_wait(browser, f"a[href='{prefix}/accounts/profile/data/erase/']")
    fill(browser, "id_password", "pass-word-123")
    browser.find_element(By.ID, "id_understood").click()
    shot(browser, f"erase-{language}", 390, 844)
    submit(browser)
    wait_loaded(browser)
    shot(browser, f"erased-{language}", 390, 844)

    assert browser.current_url.endswith(f"{prefix}/accounts/profile/data/erased/")
    user = User.objects.get(pk=user.pk)
    assert user.name == f"Deleted customer #{user.pk}" and not user.is_active


def test_a_blocked_request_says_why_in_russian(browser, django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    from skypark.accounts.tests.factories import ChildFactory
    from skypark.commerce.services import payment_complete, payment_start
    from skypark.parks.services import ticket_order_create
    from skypark.parks.tests.factories import ParkFactory

    user = UserFactory(name="Айгерим", language="ru")
    ticket = ticket_order_create(
        customer=user,
        park=ParkFactory(name="Скай Парк Дордой"),
        visit_date=timezone.localdate() + datetime.timedelta(days=3),
        visitors=[{"child_id": ChildFactory(parent=user).pk}],
    )
    payment, _action = payment_start(order=ticket.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    browser.set_window_size(390, 844)
    log_in(browser, user, "/ru")
    browser.get(f"{browser.base_url}/ru/accounts/profile/data/erase/")
    fill(browser, "id_password", "pass-word-123")
    browser.find_element(By.ID, "id_understood").click()
    submit(browser)

    assert browser.current_url.endswith("/ru/accounts/profile/data/")
    text = browser.find_element(By.ID, "erasure").text
    assert "Запрос ждёт решения наших сотрудников" in text
    assert "Скай Парк Дордой" in text
    browser.execute_script("document.getElementById('erasure').scrollIntoView()")
    shot(browser, "my-data-blocked-ru", 390, 844)
    assert User.objects.get(pk=user.pk).is_active
