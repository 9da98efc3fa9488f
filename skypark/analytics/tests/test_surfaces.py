"""The admin analytics page, its CSV exports and the partner API: merchant staff and
partners only ever see their own merchant's figures, and no figure adds KGS to GBP."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from skypark.accounts.tests.factories import MembershipFactory, MerchantFactory, StaffFactory, UserFactory, issue_key
from skypark.analytics import sync
from skypark.analytics.matrix import matrix_aggregate_hour
from skypark.analytics.rfm import rfm_snapshot_create

from .helpers import customer, sale

pytestmark = pytest.mark.django_db

URL = "/admin/reports/analytics/"


@pytest.fixture
def figures(store):
    ours, theirs = MerchantFactory(name="Ours Cafe"), MerchantFactory(name="Theirs Shop")
    for _ in range(2):
        buyer = customer()
        sale(merchant=ours, buyer=buyer, amount="100.00", currency="KGS")
        sale(merchant=ours, buyer=buyer, amount="7.00", currency="GBP")
    sale(merchant=theirs, amount="5555.00")
    store.insert(
        "cross_promo_facts",
        [
            {
                "source_merchant_id": ours.pk,
                "target_merchant_id": theirs.pk,
                "occurred_at": timezone.now(),
                "event_id": f"trigger:{i}",
                "kind": "trigger",
                "user_id": i,
                "currency": "KGS",
                "revenue": Decimal("0.00"),
                "version": 1,
                "is_deleted": 0,
            }
            for i in range(4)
        ],
    )
    sync.facts_sync()
    rfm_snapshot_create()
    matrix_aggregate_hour(hour=timezone.now())
    return ours, theirs


def _merchant_staff(merchant):
    user = UserFactory(is_staff=True)
    MembershipFactory(merchant=merchant, user=user)
    return user


def test_network_staff_see_every_merchant_per_currency(client, figures):
    client.force_login(StaffFactory())
    page = client.get(URL).content.decode()
    assert "Revenue per day, KGS" in page and "Revenue per day, GBP" in page
    assert '<svg viewBox="0 0 100 100"' in page and "<rect x=" in page
    assert "Ours Cafe" in page and "Theirs Shop" in page
    csv = client.get(URL + "?export=revenue").content.decode()
    assert "5755.00" in csv or "5755" in csv  # 2 × 100 + 5555 KGS on one day, GBP apart
    assert "14.00" in csv or ",14" in csv


def test_merchant_staff_see_only_their_merchant(client, figures):
    ours, theirs = figures
    client.force_login(_merchant_staff(ours))
    page = client.get(URL).content.decode()
    assert "5555" not in page
    csv = client.get(URL + "?export=revenue").content.decode()
    assert "5555" not in csv and "200" in csv
    assert client.get(URL + f"?merchant={theirs.pk}").status_code == 403
    assert client.get(URL + "?merchant=abc").status_code == 403
    segments = client.get(URL + "?export=segments").content.decode()
    assert "KGS" in segments and "GBP" in segments
    assert client.get(URL + "?export=parks").status_code == 403


def test_dates_that_are_not_dates_fall_back_to_the_last_30_days(client, figures):
    client.force_login(StaffFactory())
    assert client.get(URL + "?since=zzz&until=2026-13-45").status_code == 200


def test_the_partner_api_serves_only_the_keys_merchant(figures):
    ours, theirs = figures
    api = APIClient()
    _key, plaintext = issue_key(ours)
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    rfm = api.get("/api/v1/partner/analytics/rfm/").json()
    assert {s["currency"] for s in rfm["segments"]} == {"KGS", "GBP"}
    assert sum(s["customers"] for s in rfm["segments"]) == 4  # two customers, each in KGS and GBP
    assert all(isinstance(s["monetary"], str) for s in rfm["segments"])
    assert sum(c["customers"] for c in rfm["distribution"]) == 4
    segments = api.get("/api/v1/partner/analytics/segments/").json()
    assert segments["segments"] == rfm["segments"]
    matrix = api.get("/api/v1/partner/analytics/matrix/").json()
    assert [(r["source_merchant_id"], r["target_merchant_id"], r["triggers"]) for r in matrix["rows"]] == [
        (ours.pk, theirs.pk, 4)
    ]
    bad = api.get("/api/v1/partner/analytics/matrix/?since=not-a-date")
    assert bad.status_code == 400 and "code" in str(bad.json())
    assert APIClient().get("/api/v1/partner/analytics/rfm/").status_code in (401, 403)


def test_park_statistics_by_day_hour_and_age_band(client, store):
    store.insert(
        "activity_facts",
        [
            {
                "kind": "visit",
                "place_id": 5,
                "day": timezone.localdate(),
                "activity_id": f"visit:{i}",
                "user_id": i,
                "started_at": timezone.now().replace(hour=6, minute=0) - timedelta(hours=0),
                "ended_at": None,
                "quantity": 2,
                "ages": [3, 9],
                "currency": "",
                "amount": Decimal("0.00"),
                "status": "active",
                "version": 1,
                "is_deleted": 0,
            }
            for i in range(3)
        ],
    )
    from skypark.analytics import selectors

    today = timezone.localdate()
    visits, _revenue = selectors.park_daily_stats(since=today, until=today)
    assert visits == [
        {
            "park_id": 5,
            "day": today,
            "visitors": 6,
            "visits": 3,
            "age_0_3": 3,
            "age_4_7": 0,
            "age_8_12": 3,
            "age_13_plus": 0,
            "age_unknown": 0,
        }
    ]
    hours = selectors.park_occupancy_by_hour(day=today, tz="UTC")
    assert hours[0]["visitors"] == 6 and hours[-1]["hour"] == 23
    client.force_login(StaffFactory())
    assert client.get(URL + "?export=parks").status_code == 200
