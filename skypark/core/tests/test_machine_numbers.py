"""Numbers written for machines (SVG geometry, CSS, data attributes, progress values) are
never localized: in Russian a decimal comma (``x="7,14"``) draws a blank chart."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from skypark.accounts.tests.factories import MerchantFactory
from skypark.commerce.tests.factories import paid_order
from skypark.core.dashboard import Series, svg_number
from skypark.parks.tests.factories import ParkFactory

pytestmark = pytest.mark.django_db

SVG_TAG = re.compile(r"<(svg|rect|line|polyline|polygon|path|circle|ellipse|text)\b([^>]*)>", re.S)
ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
NUMERIC = {"x", "y", "x1", "x2", "y1", "y2", "width", "height", "cx", "cy", "r", "rx", "ry"}
LISTS = {"viewBox", "points"}
DECIMAL_COMMA = re.compile(r"\d,\d")
PATH_DATA = re.compile(r"^[MmLlHhVvCcSsQqTtAaZz\d\s.,eE+-]+$")
UNIT = re.compile(r"(%|px|mm|cm|in|pt|em|rem)$")


def assert_machine_numbers(html, where):
    """Every numeric SVG attribute parses with float(); no style or data- attribute, nor a
    progress/meter value, holds a decimal comma. Returns how many SVG numbers were read."""
    read = 0
    for tag, attrs in SVG_TAG.findall(html):
        for name, value in ATTR.findall(attrs):
            if name in NUMERIC:
                assert value.strip(), f"{where}: <{tag} {name}> is empty"
                float(UNIT.sub("", value))
                read += 1
            elif name in LISTS:
                numbers = re.split(r"[\s,]+", value.strip())
                assert value.strip() and all(numbers), f"{where}: <{tag} {name}={value!r}>"
                [float(n) for n in numbers]
                assert not DECIMAL_COMMA.search(value.replace(", ", " ")), f"{where}: {name}={value!r}"
            elif name == "d":
                assert value.strip(), f"{where}: <path d> is empty"
                assert PATH_DATA.match(value), f"{where}: <path d={value[:40]!r}>"
    for name, value in ATTR.findall(html):
        if name == "style" or name.startswith("data-"):
            assert not DECIMAL_COMMA.search(value), f"{where}: {name}={value!r}"
    for match in re.finditer(r"<(progress|meter)\b[^>]*\bvalue=\"([^\"]*)\"", html):
        float(match.group(2))
    return read


@pytest.fixture
def ru_admin(admin_client_logged, russian_default):
    """The back-office speaks the site's default language, Russian in production."""
    return admin_client_logged


@pytest.fixture
def chart_data(customer):
    ParkFactory(capacity=7)
    paid_order(customer, count=2, price="790.00")
    paid_order(customer, count=1, price="333.33")
    merchant = MerchantFactory()
    from loyalty.models import MerchantDailyStats

    today = timezone.localdate()
    for days_ago, sales in ((0, "1250.50"), (3, "99.90"), (11, "7.77")):
        MerchantDailyStats.objects.create(
            merchant=merchant, date=today - datetime.timedelta(days=days_ago), sales=Decimal(sales), points_issued=3
        )


def test_svg_number_is_plain_in_every_language():
    with translation.override("ru"):
        assert svg_number(100 / 7) == "14.29"
        assert svg_number(Decimal("50.00")) == "50"
        assert svg_number(0) == "0"
        bars = Series("s", [("a", 1), ("b", 3), ("c", 2)]).bars
    assert [b["x"] for b in bars] == ["0", "33.33", "66.67"]
    assert [b["h"] for b in bars] == ["33.33", "100", "66.67"]


def test_admin_dashboard_charts_draw_in_russian(ru_admin, chart_data):
    response = ru_admin.get(reverse("admin:index"))
    html = response.content.decode()
    assert 'lang="ru"' in html
    assert "<rect" in html
    assert assert_machine_numbers(html, "admin:index") >= 40
    assert re.search(r'<rect x="\d+\.\d+"', html), "the charts have non-integer coordinates"


@pytest.mark.parametrize(
    "url_name",
    ["admin:loyalty-merchant-dashboard", "admin:parks-occupancy", "admin:parks-daily-stats", "admin:bookings-revenue"],
)
def test_admin_chart_and_stats_pages_in_russian(ru_admin, chart_data, url_name):
    response = ru_admin.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="ru"' in html
    assert_machine_numbers(html, url_name)


def test_loyalty_dashboard_bars_are_plain_in_russian(ru_admin, chart_data):
    html = ru_admin.get(reverse("admin:loyalty-merchant-dashboard")).content.decode()
    assert assert_machine_numbers(html, "loyalty dashboard") >= 120
    assert 'width="2.67"' in html  # 100 / 30 days * 0.8


def test_loyalty_card_progress_is_plain_in_russian(client, customer):
    client.force_login(customer)
    html = client.get("/ru/loyalty/", follow=True).content.decode()
    assert "<progress" in html
    assert_machine_numbers(html, "loyalty card")
