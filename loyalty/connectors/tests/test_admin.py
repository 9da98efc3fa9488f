"""Connectors and their runs in the back-office: credentials typed in and stored
encrypted, "run now", run history with its errors, filters and search, constant queries,
and merchant staff limited to their own."""

import pytest
from django.urls import reverse

from loyalty.connectors import crypto, services
from loyalty.connectors.models import Connector, ConnectorRun
from skypark.accounts.tests.factories import MembershipFactory
from skypark.core.tests.reliability.test_admin_authorisation_matrix import merchant_staff

pytestmark = pytest.mark.django_db


def add_form(merchant, endpoint, **extra):
    return {
        "merchant": merchant.pk,
        "name": "Till CRM",
        "feed": "transactions",
        "is_active": "on",
        "endpoint": endpoint,
        "format": "json",
        "records_path": "",
        "field_mapping": '{"external_id": "id"}',
        "auth": "bearer",
        "auth_header": "",
        "new_credentials": "tok-TYPED-1",
        "interval_minutes": "60",
        "next_run_at_0": "",
        "next_run_at_1": "",
        **extra,
    }


def test_credentials_typed_in_are_stored_encrypted_and_never_shown(admin_client_logged, merchant, source):
    answer = admin_client_logged.post(
        reverse("admin:connectors_connector_add"), add_form(merchant, source.base + "/x.json")
    )
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    connector = Connector.objects.get()
    assert "tok-TYPED-1" not in connector.credentials and crypto.decrypt(connector.credentials) == "tok-TYPED-1"
    page = admin_client_logged.get(reverse("admin:connectors_connector_change", args=[connector.pk]))
    assert page.status_code == 200 and "tok-TYPED-1" not in page.content.decode()
    assert connector.credentials not in page.content.decode()
    # Saving without typing credentials keeps them; the box removes them.
    form = add_form(merchant, source.base + "/x.json", new_credentials="", name="Renamed")
    admin_client_logged.post(reverse("admin:connectors_connector_change", args=[connector.pk]), form)
    connector.refresh_from_db()
    assert connector.name == "Renamed" and crypto.decrypt(connector.credentials) == "tok-TYPED-1"
    form["clear_credentials"] = "on"
    admin_client_logged.post(reverse("admin:connectors_connector_change", args=[connector.pk]), form)
    connector.refresh_from_db()
    assert connector.credentials == ""


def test_a_private_endpoint_is_a_form_error(admin_client_logged, merchant, settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    answer = admin_client_logged.post(
        reverse("admin:connectors_connector_add"), add_form(merchant, "http://10.1.2.3/export.json")
    )
    assert answer.status_code == 200 and "private or reserved" in answer.content.decode()
    assert not Connector.objects.exists()


def test_run_now_runs_and_the_history_shows_the_error(admin_client_logged, merchant, source, on_commit):
    connector = services.connector_create(merchant=merchant, name="Broken", endpoint=source.base + "/missing.json")
    answer = on_commit(
        admin_client_logged.post,
        reverse("admin:connectors_connector_changelist"),
        {"action": "run_now", "_selected_action": [connector.pk]},
        follow=True,
    )
    assert answer.status_code == 200 and "queued to run" in answer.content.decode()
    run = ConnectorRun.objects.get()
    assert (run.trigger, run.status, run.error_code, run.http_status) == ("manual", "failed", "fetch_failed", 404)
    listed = admin_client_logged.get(reverse("admin:connectors_connectorrun_changelist"), {"status__exact": "failed"})
    assert "fetch_failed" in listed.content.decode()
    page = admin_client_logged.get(reverse("admin:connectors_connectorrun_change", args=[run.pk]))
    assert page.status_code == 200 and "HTTP 404" in page.content.decode()


def test_a_run_page_lists_the_row_errors_and_links_the_import(admin_client_logged, merchant, source, on_commit):
    url = source.serve_json("/rows.json", [{"external_id": "x", "customer_code": "NOBODY", "amount": "1"}])
    connector = services.connector_create(merchant=merchant, name="Rows", endpoint=url)
    run = on_commit(services.connector_run, connector_id=connector.pk)
    page = admin_client_logged.get(reverse("admin:connectors_connectorrun_change", args=[run.pk])).content.decode()
    assert "customer_not_found" in page
    assert reverse("admin:loyalty_importbatch_change", args=[run.batch_id]) in page


@pytest.mark.parametrize("model", ["connector", "connectorrun"])
def test_changelists_filter_search_and_keep_queries_constant(
    admin_client_logged, merchant, source, on_commit, model, django_assert_max_num_queries
):
    url = source.serve_json("/e.json", [])

    def seed(n):
        for _i in range(n):
            connector = services.connector_create(merchant=merchant, name=f"C{Connector.objects.count()}", endpoint=url)
            on_commit(services.connector_run, connector_id=connector.pk)

    seed(2)
    changelist = reverse(f"admin:connectors_{model}_changelist")
    admin_client_logged.get(changelist)
    with django_assert_max_num_queries(25) as few:
        assert admin_client_logged.get(changelist).status_code == 200
    seed(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client_logged.get(changelist).status_code == 200
    assert admin_client_logged.get(changelist, {"q": "C1"}).status_code == 200
    filters = {
        "connector": {"feed__exact": "transactions", "is_active__exact": "1"},
        "connectorrun": {"trigger__exact": "schedule"},
    }
    assert admin_client_logged.get(changelist, filters[model]).status_code == 200


def test_merchant_staff_see_only_their_connectors(client, merchant, other_merchant, source):
    mine = services.connector_create(merchant=merchant, name="Mine", endpoint=source.base + "/a")
    theirs = services.connector_create(merchant=other_merchant, name="Theirs", endpoint=source.base + "/b")
    client.force_login(merchant_staff(merchant))
    page = client.get(reverse("admin:connectors_connector_changelist")).content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert client.get(reverse("admin:connectors_connector_change", args=[theirs.pk])).status_code in (302, 403, 404)
    assert mine.pk and MembershipFactory  # factories in reach for the matrix
