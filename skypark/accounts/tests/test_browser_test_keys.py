"""Issuing a test API key in the admin, walked in a real browser in each language at a
phone's and a desktop's width."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from skypark.accounts.demo import STAFF_PASSWORD, STAFF_PHONE
from skypark.accounts.models import Merchant, MerchantApiKey, User
from skypark.core.tests.journeys.conftest import demo, walk_root  # noqa: F401
from skypark.core.tests.journeys.walk import SIZES, Walk

MODE = {"ru": "Режим", "ky": "Режим", "en": "Mode"}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_staff_issue_a_test_key(browser, demo, walk_root, settings, language, size):  # noqa: F811 (fixtures)
    settings.LANGUAGE_CODE = language
    walk = Walk(
        browser,
        base_url=browser.base_url,
        language=language,
        size=size,
        folder=walk_root / f"testkey-{language}-{size}",
    )
    User.objects.filter(phone=STAFF_PHONE).update(language=language)
    merchant = Merchant.objects.order_by("pk").first()
    walk.driver.delete_all_cookies()
    walk.open("/admin/login/", "admin-login")
    walk.fill(username=STAFF_PHONE, password=STAFF_PASSWORD)
    walk.click("#login-form [type=submit]", "admin-index", where="body")
    walk.open(f"/admin/accounts/merchant/{merchant.pk}/issue-key/", "issue-key")
    assert MODE[language] in walk.text("#content-main")
    walk.fill(name="Sandbox")
    Select(walk.driver.find_element(By.ID, "id_mode")).select_by_value("test")
    walk.click("#content-main [type=submit]", "issued", where="#content-main")
    assert walk.driver.find_element(By.ID, "api-key").get_attribute("value").startswith("sk_test_")
    assert MerchantApiKey.objects.get(merchant=merchant, name="Sandbox").mode == "test"
