"""Partner lists read with a cursor and ``updated_since``: stable while rows are added."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from loyalty import services
from loyalty.models import ImportBatch, PosTransaction
from skypark.accounts.tests.factories import MerchantFactory, UserFactory, issue_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant():
    return MerchantFactory()


@pytest.fixture
def partner(merchant):
    _key, plaintext = issue_key(merchant)
    return APIClient(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")


def sale(merchant, external_id, customer=None):
    tx, _created = services.pos_transaction_record(
        merchant=merchant, customer=customer or UserFactory(), external_id=external_id, amount=Decimal("10")
    )
    return tx


def read_all(partner, name, params, between=None):
    """Every row of a list, following ``next``; ``between`` runs after each page."""
    seen, response = [], partner.get(reverse(f"api:{name}"), params)
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        assert "Deprecation" not in response
        seen += body["results"]
        if between:
            between()
        if not body["next"]:
            return seen
        response = partner.get(body["next"])


def test_transactions_page_by_cursor_stay_stable_while_sales_are_recorded(partner, merchant):
    for n in range(7):
        sale(merchant, f"old-{n}")
    added = iter(range(100))

    def record_more():
        sale(merchant, f"new-{next(added)}")

    ids = [row["external_id"] for row in read_all(partner, "partner-transactions", {"page_size": 2}, record_more)]
    assert sorted(ids) == sorted(f"old-{n}" for n in range(7)), ids
    assert len(ids) == len(set(ids))


def test_updated_since_gives_only_what_changed(partner, merchant):
    first = sale(merchant, "a")
    sale(merchant, "b")
    mark = timezone.now()
    PosTransaction.objects.filter(pk=first.pk).update(updated_at=mark + datetime.timedelta(seconds=1))
    PosTransaction.objects.exclude(pk=first.pk).update(updated_at=mark - datetime.timedelta(minutes=1))
    changed = read_all(partner, "partner-transactions", {"updated_since": mark.isoformat()})
    assert [row["external_id"] for row in changed] == ["a"]


def test_imports_and_customers_lists(partner, merchant):
    other = MerchantFactory()
    buyer = UserFactory()
    sale(merchant, "x1", buyer)
    sale(merchant, "x2", buyer)
    sale(other, "y1")
    ImportBatch.objects.create(merchant=merchant, rows=[{}], total_rows=1)
    ImportBatch.objects.create(merchant=other, rows=[{}], total_rows=1)
    imports = read_all(partner, "partner-import-create", {"page_size": 1})
    assert len(imports) == 1
    customers = read_all(partner, "partner-customers", {"page_size": 1})
    assert [row["customer_code"] for row in customers] == [buyer.customer_code]
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert read_all(partner, "partner-customers", {"updated_since": later}) == []


def test_page_numbers_still_work_and_say_they_are_deprecated(partner, merchant):
    for n in range(3):
        sale(merchant, f"p{n}")
    response = partner.get(reverse("api:partner-transactions"), {"page": 2, "page_size": 2})
    assert response.status_code == 200
    assert [row["external_id"] for row in response.json()["results"]] == ["p0"]
    assert response["Deprecation"].startswith("@") and response["Sunset"].endswith("GMT")
    assert 'rel="deprecation"' in response["Link"]


def test_a_garbled_cursor_is_a_404_in_the_error_shape(partner):
    response = partner.get(reverse("api:partner-transactions"), {"cursor": "not-a-cursor"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
