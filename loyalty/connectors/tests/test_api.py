"""The partner's connector API: its connectors and their runs with row reports, only its
own (another merchant's run is a 404), nothing for a test key, constant queries."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from loyalty.connectors import services
from loyalty.connectors.models import ConnectorRun
from skypark.accounts.services import api_key_issue
from skypark.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def client_for(merchant, mode="live"):
    _key, plaintext = api_key_issue(merchant=merchant, name="k", actor=None, mode=mode)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


@pytest.fixture
def ran(merchant, source, on_commit):
    anna = UserFactory()
    url = source.serve_json(
        "/e.json",
        [
            {"external_id": "a-1", "customer_code": anna.customer_code, "amount": "100.00"},
            {"external_id": "a-2", "customer_code": "NOBODY", "amount": "100.00"},
        ],
    )
    connector = services.connector_create(
        merchant=merchant, name="Till export", endpoint=url, auth="bearer", credentials="tok-NEVER-SHOWN"
    )
    run = on_commit(services.connector_run, connector_id=connector.pk)
    return connector, run


def test_runs_list_with_their_row_reports(merchant, ran, django_assert_max_num_queries):
    connector, run = ran
    partner = client_for(merchant)
    with django_assert_max_num_queries(8):
        answer = partner.get(reverse("api:partner-connector-runs"))
    assert answer.status_code == 200
    (item,) = answer.json()["results"]
    assert (item["id"], item["connector"], item["status"], item["feed"]) == (
        run.pk,
        connector.pk,
        "done",
        "transactions",
    )
    report = item["report"]
    assert (report["import_status"], report["created_count"], report["error_count"]) == ("done", 1, 1)
    assert report["errors"] == [
        {"row": 1, "code": "customer_not_found", "message": "No customer with this customer_code or phone."}
    ]
    detail = partner.get(reverse("api:partner-connector-run", kwargs={"pk": run.pk})).json()
    assert detail["import_id"] == run.batch_id and detail["report"] == report
    connectors = partner.get(reverse("api:partner-connectors")).json()["results"]
    assert [(c["id"], c["has_credentials"]) for c in connectors] == [(connector.pk, True)]
    assert "tok-NEVER-SHOWN" not in str(connectors) and "credentials" not in connectors[0]


def test_runs_filter_by_connector_and_status(merchant, ran, on_commit):
    connector, run = ran
    partner = client_for(merchant)
    runs = reverse("api:partner-connector-runs")
    assert len(partner.get(runs, {"connector": connector.pk, "status": "done"}).json()["results"]) == 1
    assert partner.get(runs, {"status": "failed"}).json()["results"] == []
    for bad in ({"status": "lost"}, {"connector": "abc"}, {"connector": "1\x00"}):
        answer = partner.get(runs, bad)
        assert answer.status_code == 400, bad


def test_a_many_runs_list_is_constant_in_queries(merchant, ran, on_commit, django_assert_max_num_queries):
    connector, _run = ran
    for _ in range(5):
        ConnectorRun.objects.filter(status="running").delete()
        on_commit(services.connector_run, connector_id=connector.pk)
    with django_assert_max_num_queries(8):
        answer = client_for(merchant).get(reverse("api:partner-connector-runs"))
    assert len(answer.json()["results"]) == 6


def test_another_merchants_run_is_a_404_like_a_missing_one(merchant, other_merchant, ran):
    _connector, run = ran
    theirs = client_for(other_merchant)
    answer = theirs.get(reverse("api:partner-connector-run", kwargs={"pk": run.pk}))
    missing = theirs.get(reverse("api:partner-connector-run", kwargs={"pk": 2_000_000_000}))
    assert answer.status_code == missing.status_code == 404
    assert answer.json() == missing.json()
    assert theirs.get(reverse("api:partner-connector-runs")).json()["results"] == []
    assert theirs.get(reverse("api:partner-connectors")).json()["results"] == []


def test_a_test_key_sees_no_runs(merchant, ran):
    _connector, run = ran
    test_client = client_for(merchant, mode="test")
    assert test_client.get(reverse("api:partner-connector-runs")).json()["results"] == []
    assert test_client.get(reverse("api:partner-connector-run", kwargs={"pk": run.pk})).status_code == 404


def test_the_schema_documents_connector_runs():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    detail = schema["paths"]["/api/v1/partner/connectors/runs/{id}/"]["get"]
    assert {"200", "404"} <= set(detail["responses"])
    listed = schema["paths"]["/api/v1/partner/connectors/runs/"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"connector", "status"}
    assert "RunReportOutput" in schema["components"]["schemas"]
