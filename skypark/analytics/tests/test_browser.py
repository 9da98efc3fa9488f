"""The analytics page in a real browser: ru, ky and en, on a phone and a desktop, with no
JavaScript needed by the page (the admin's own scripts run, as in the staff walk); screenshots under var/walk/, no sideways scrolling, no serious axe finding."""

import pytest
from django.utils import timezone

from skypark.accounts.models import User
from skypark.analytics import sync
from skypark.analytics.models import WebEvent
from skypark.analytics.rfm import rfm_snapshot_create
from skypark.core.tests.journeys.walk import SIZES, Walk

from .helpers import customer, sale

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, PASSWORD = "+996700009901", "analytics-walk-2026"
SAYS = {"ru": "Матрица взаимной выгоды", "ky": "Өз ара пайда матрицасы", "en": "Win-win matrix"}
FUNNEL = {"ru": "Воронка покупок", "ky": "Сатып алуу воронкасы", "en": "Purchase funnel"}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_the_analytics_page_reads_well_everywhere(browser, store, walk_root, settings, language, size):
    settings.LANGUAGE_CODE = language
    User.objects.create_superuser(phone=PHONE, password=PASSWORD, language=language)
    for n in range(6):
        buyer = customer()
        for _ in range(n % 3 + 1):
            sale(buyer=buyer, amount=f"{100 + n * 50}.00", currency="GBP" if n == 5 else "KGS")
    for visitor, kind in (("a", "page_view"), ("b", "page_view"), ("a", "purchase_quoted")):
        WebEvent.objects.create(
            kind=kind,
            visitor=visitor * 16,
            route="parks:park-detail",
            path="/parks/x/",
            product="park",
            device_type="mobile",
            created_at=timezone.now(),
        )
    sync.facts_sync()
    rfm_snapshot_create()
    walk = Walk(
        browser,
        base_url=browser.base_url,
        language=language,
        size=size,
        folder=walk_root / f"analytics-{language}-{size}",
    )
    walk.driver.delete_all_cookies()
    walk.open("/admin/login/", "admin-login")
    walk.fill(username=PHONE, password=PASSWORD)
    walk.click("#login-form [type=submit]", "admin-index")
    walk.open("/admin/reports/analytics/", "analytics")
    walk.see("analytics-page", SAYS[language], "GBP", "KGS", FUNNEL[language], "parks:park-detail", css="#content")
