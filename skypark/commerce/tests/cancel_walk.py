"""Shared steps of the cancellation walks in a real browser: log in, open the
confirmation page at a phone's and a desktop's width, assert what the customer reads,
keep screenshots, confirm."""

import os
import tempfile

from selenium.webdriver.common.by import By

from skypark.accounts.tests.test_browser import click_and_wait, fill, submit

PASSWORD = "pass-word-123"
SIZES = {"390": (390, 844), "1280": (1280, 900)}


def shots_dir() -> str:
    path = os.environ.get("SKYPARK_SHOTS") or os.path.join(tempfile.gettempdir(), "skypark-shots", "cancel")
    os.makedirs(path, exist_ok=True)
    return path


def log_in(browser, user):
    browser.get(browser.base_url + "/accounts/login/")
    fill(browser, "id_username", user.phone)
    fill(browser, "id_password", PASSWORD)
    submit(browser)
    assert "/accounts/login/" not in browser.current_url


def main_text(browser) -> str:
    return " ".join(browser.find_element(By.TAG_NAME, "main").text.split())


def confirm_page(browser, url, *, name, shown):
    """Opens ``url`` at each width, checks ``shown`` and that nothing scrolls sideways,
    saves a screenshot per width; leaves the browser on the page at 390 px."""
    folder = shots_dir()
    for label, size in (("1280", SIZES["1280"]), ("390", SIZES["390"])):
        browser.set_window_size(*size)
        browser.get(browser.base_url + url)
        text = main_text(browser)
        for expected in shown:
            assert expected in text, text
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        browser.save_screenshot(os.path.join(folder, f"{name}-{label}.png"))
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(size[0], max(size[1], height + 100))
        browser.save_screenshot(os.path.join(folder, f"{name}-{label}-full.png"))
        browser.set_window_size(*size)
    print(f"screenshots in {folder}")


def confirm(browser, *, name):
    click_and_wait(browser, "#cancel-confirm")
    browser.save_screenshot(os.path.join(shots_dir(), f"{name}-done-390.png"))
    return " ".join(browser.find_element(By.TAG_NAME, "body").text.split())
