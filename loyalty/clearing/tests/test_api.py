"""Partners read their own statements; another partner's is a 404."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from loyalty import services as loyalty
from loyalty.clearing import services
from loyalty.clearing.models import Statement
from skypark.accounts.tests.factories import issue_key

from .conftest import cents, later

pytestmark = pytest.mark.django_db
BASE = "/api/v1/partner/settlement/statements/"


def client_for(merchant):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issue_key(merchant)[1]}")
    return client


@pytest.fixture
def closed(coalition, partners, shopper):
    coffee, books, _ = partners
    loyalty.pos_transaction_record(merchant=coffee, customer=shopper, external_id="t1", amount=Decimal("1000"))
    loyalty.pos_points_redeem(merchant=books, customer=shopper, points=20, reference="r1")
    services.periods_close_due(now=later(7))
    return Statement.objects.get(merchant=coffee), Statement.objects.get(merchant=books)


def test_a_partner_lists_and_reads_its_statement(closed, partners, django_assert_max_num_queries):
    mine, _theirs = closed
    client = client_for(partners[0])
    with django_assert_max_num_queries(8):
        listed = client.get(BASE)
    assert listed.status_code == 200
    assert [row["number"] for row in listed.json()["results"]] == [mine.number]
    detail = client.get(f"{BASE}{mine.number}/").json()
    assert detail["closing_balance"] == "-105.00" and detail["issued_points"] == 100
    lines = client.get(f"{BASE}{mine.number}/lines/").json()["results"]
    assert sum(Decimal(line["amount"]) for line in lines) == Decimal(detail["net"])
    assert cents(mine.lines.aggregate(s=Sum("amount"))["s"]) == Decimal(detail["net"])


def test_statement_files(closed, partners):
    mine, _ = closed
    client = client_for(partners[0])
    pdf = client.get(f"{BASE}{mine.number}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    csv = client.get(f"{BASE}{mine.number}/csv/")
    assert csv.status_code == 200 and mine.number in csv.content.decode("utf-8-sig")
    assert "-105.00" in csv.content.decode("utf-8-sig")


@pytest.mark.parametrize("suffix", ["", "lines/", "pdf/", "csv/"])
def test_another_partners_statement_is_a_404(closed, partners, suffix):
    _mine, theirs = closed
    answer = client_for(partners[0]).get(f"{BASE}{theirs.number}/{suffix}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "statement_not_found"
    assert client_for(partners[1]).get(f"{BASE}{theirs.number}/{suffix}").status_code == 200


def test_the_operators_statement_is_no_partners(closed, partners):
    operator = Statement.objects.get(merchant__isnull=True)
    assert client_for(partners[0]).get(f"{BASE}{operator.number}/").status_code == 404


def test_without_a_key_nothing_is_read(closed):
    assert APIClient().get(BASE).status_code in (401, 403)
