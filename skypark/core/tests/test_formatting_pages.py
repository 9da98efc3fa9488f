"""The money and date formats on real pages of each domain, in ru, ky and en."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.tests.factories import CourseFactory, SessionFactory
from events.tests.factories import EventFactory
from loyalty.models import Coupon
from loyalty.tests.factories import CouponFactory
from skypark.parks.tests.factories import ParkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _russian_is_the_default(russian_default):
    """As in production: Russian pages unprefixed, /ky/ and /en/ prefixed."""


NB = "\xa0"


def text(response):
    """The page's text as a person reads it: tags dropped, whitespace collapsed (the
    no-break spaces kept)."""
    assert response.status_code == 200
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"[ \t\r\n]+", " ", html)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", f"До 3 лет: 590{NB}сом · от 3 лет: 1{NB}250{NB}сом"),
        ("/ky", f"3 жашка чейин: 590{NB}сом · 3 жаш жана андан улуу: 1{NB}250{NB}сом"),
        ("/en", f"Under 3: 590{NB}som · 3 and over: 1,250{NB}som"),
    ],
)
def test_park_prices(client, prefix, expected):
    park = ParkFactory(price_under_3=Decimal("590.00"), price_over_3=Decimal("1250.00"))
    assert expected in text(client.get(f"{prefix}/parks/{park.slug}/"))
    assert expected in text(client.get(f"{prefix}/parks/"))


@pytest.mark.parametrize(
    ("prefix", "total"),
    [("", f"1{NB}250{NB}сом"), ("/ky", f"1{NB}250{NB}сом"), ("/en", f"1,250{NB}som")],
)
def test_park_quote_total(client, customer, prefix, total):
    client.force_login(customer)
    park = ParkFactory(price_under_3=Decimal("590.00"), price_over_3=Decimal("1250.00"))
    day = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        f"{prefix}/parks/{park.slug}/",
        {"visit_date": day.isoformat(), "slot": "", "guest_0_name": "Aida", "guest_0_age": "7", "quote": "1"},
    )
    page = text(response)
    assert f"Aida (7) {total}" in page
    assert f'value="{day.isoformat()}"' in response.content.decode()


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", "£80.50 с человека"),
        ("/ky", "бир адамга £80.50"),
        ("/en", "£80.50 per person"),
    ],
)
def test_course_session_price_in_gbp_in_every_language(client, customer, prefix, expected):
    client.force_login(customer)
    session = SessionFactory(course=CourseFactory(price=Decimal("80.50"), currency="GBP"))
    assert expected in text(client.get(f"{prefix}/courses/sessions/{session.pk}/book/", follow=True))


@pytest.mark.parametrize(
    ("prefix", "price", "when"),
    [
        ("", f"790{NB}сом", "10 декабря 2036, 18:30"),
        ("/ky", f"790{NB}сом", "2036-жылдын 10-декабры, 18:30"),
        ("/en", f"790{NB}som", "10 December 2036, 18:30"),
    ],
)
def test_event_price_and_date(client, prefix, price, when):
    starts = timezone.make_aware(datetime.datetime(2036, 12, 10, 18, 30))
    event = EventFactory(price=Decimal("790.00"), currency="KGS", starts_at=starts)
    page = text(client.get(f"{prefix}/events/{event.pk}/"))
    assert price in page
    assert when in page


@pytest.mark.parametrize(
    ("prefix", "value", "until"),
    [
        ("", f"1{NB}500,50{NB}сом", "10 декабря 2036"),
        ("/ky", f"1{NB}500,50{NB}сом", "2036-жылдын 10-декабры"),
        ("/en", f"1,500.50{NB}som", "10 December 2036"),
    ],
)
def test_loyalty_card_coupon_amount_and_date(client, customer, prefix, value, until):
    until_at = timezone.make_aware(datetime.datetime(2036, 12, 10, 12, 0))
    CouponFactory(customer=customer, kind=Coupon.Kind.FIXED, value=Decimal("1500.50"), valid_until=until_at)
    client.force_login(customer)
    page = text(client.get(f"{prefix}/loyalty/"))
    assert value in page
    assert until in page


@pytest.mark.parametrize(
    ("language", "total", "sms_total"),
    [
        ("ru", f"Оплачено всего: 1{NB}180{NB}сом", f"1{NB}180{NB}сом"),
        ("ky", f"Бардыгы төлөндү: 1{NB}180{NB}сом", f"1{NB}180{NB}сом"),
        ("en", f"Total paid: 1,180{NB}som", f"1,180{NB}som"),
    ],
)
def test_receipt_email_and_sms_amounts(language, total, sms_total):
    from types import SimpleNamespace

    from skypark.notify.services import render_kind

    order = SimpleNamespace(reference="SP-7K2Q9", total=Decimal("1180.00"), currency="KGS")
    lines = [{"description": "Ticket", "quantity": 2, "total": Decimal("1180.00")}]
    rendered = render_kind("order.paid", language=language, context={"order": order, "lines": lines})
    assert total in rendered.body
    assert sms_total in rendered.sms
    gbp = SimpleNamespace(reference="RF-1", total=Decimal("81.00"), currency="GBP")
    rendered = render_kind("order.paid", language=language, context={"order": gbp, "lines": []})
    assert "£81" in rendered.body and "£81" in rendered.sms
