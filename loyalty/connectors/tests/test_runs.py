"""Connector runs against a real local HTTP server: JSON and CSV through the import,
idempotent re-runs, per-row errors, failures of the source, customers, single flight,
the beat job, and the SSRF rules without the test allowance."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.connectors import services, tasks
from loyalty.connectors.models import Connector, ConnectorRun
from loyalty.models import Account, ImportBatch, PosTransaction
from skypark.accounts.models import User
from skypark.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make(merchant, url, **fields):
    return services.connector_create(merchant=merchant, name=fields.pop("name", "CRM"), endpoint=url, **fields)


def run(connector, on_commit):
    """The run as stored once its import (queued on commit) is done."""
    done = on_commit(services.connector_run, connector_id=connector.pk)
    return ConnectorRun.objects.select_related("batch").get(pk=done.pk)


def test_json_records_under_a_path_are_mapped_and_imported(merchant, source, on_commit):
    anna, bek = UserFactory(), UserFactory()
    url = source.serve_json(
        "/export.json",
        {
            "data": {
                "items": [
                    {"id": "crm-1", "card": anna.customer_code, "total": "450.00", "at": "2026-01-05T10:00:00+06:00"},
                    {"id": "crm-2", "client": {"phone": bek.phone}, "total": 120},
                ]
            }
        },
    )
    connector = make(
        merchant,
        url,
        records_path="data.items",
        field_mapping={
            "external_id": "id",
            "customer_code": "card",
            "phone": "client.phone",
            "amount": "total",
            "occurred_at": "at",
        },
    )
    result = run(connector, on_commit)
    assert result.status == ConnectorRun.Status.DONE and result.http_status == 200 and result.fetched_rows == 2
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert (batch.status, batch.source, batch.created_count, batch.error_count) == ("done", "connector", 2, 0)
    sales = PosTransaction.objects.filter(merchant=merchant).order_by("external_id")
    assert [(t.external_id, t.customer_id, t.amount) for t in sales] == [
        ("crm-1", anna.pk, Decimal("450.00")),
        ("crm-2", bek.pk, Decimal("120.00")),
    ]
    assert sales[0].occurred_at == datetime.datetime(2026, 1, 5, 4, 0, tzinfo=datetime.UTC)


def test_csv_is_imported_and_a_rerun_changes_nothing(merchant, source, on_commit):
    anna = UserFactory()
    url = source.serve_csv(
        "/sales.csv",
        "\ufeffreceipt,card,sum\n"  # a BOM, as spreadsheet exports write it
        f"r-1,{anna.customer_code},300.00\n"
        f"r-2,{anna.customer_code},200.50\n",
    )
    connector = make(
        merchant,
        url,
        format=Connector.Format.CSV,
        field_mapping={"external_id": "receipt", "customer_code": "card", "amount": "sum"},
    )
    first = run(connector, on_commit)
    assert first.report()["created_count"] == 2
    balance = Account.objects.get(customer=anna, merchant=None).balance
    assert balance > 0
    second = run(connector, on_commit)
    assert second.pk != first.pk
    report = second.report()
    assert (report["created_count"], report["duplicate_count"], report["error_count"]) == (0, 2, 0)
    assert PosTransaction.objects.filter(merchant=merchant).count() == 2
    assert Account.objects.get(customer=anna, merchant=None).balance == balance


def test_bad_rows_are_reported_and_the_good_ones_imported(merchant, source, on_commit):
    anna = UserFactory()
    url = source.serve_json(
        "/rows.json",
        [
            {"external_id": "ok-1", "customer_code": anna.customer_code, "amount": "100.00"},
            {"external_id": "x-1", "customer_code": "NOSUCHCODE", "amount": "100.00"},
            {"external_id": "x-2", "customer_code": anna.customer_code, "amount": "lots"},
            {"customer_code": anna.customer_code, "amount": "5"},
            "not an object",
            {"external_id": "x-3\x00", "customer_code": anna.customer_code, "amount": "1.005"},
        ],
    )
    result = run(make(merchant, url), on_commit)
    report = result.report()
    assert report["created_count"] == 1
    assert {(e["row"], e["code"]) for e in report["errors"]} == {
        (1, "customer_not_found"),
        (2, "invalid_amount"),
        (3, "invalid_external_id"),
        (4, "invalid_row"),
        (5, "invalid_amount"),
    }
    assert list(PosTransaction.objects.filter(merchant=merchant).values_list("external_id", flat=True)) == ["ok-1"]


@pytest.mark.parametrize(
    "body, status, path, code",
    [
        (b"oops", 500, "", "fetch_failed"),
        (b"{not json", 200, "", "invalid_json"),
        (b'{"items": 3}', 200, "items", "no_records"),
        (b'{"other": []}', 200, "items", "no_records"),
        (b"\xff\xfe\x00garbage", 200, "", "invalid_json"),
    ],
)
def test_a_source_that_gives_nothing_importable_fails_the_run(merchant, source, on_commit, body, status, path, code):
    url = source.serve("/bad", body, status=status, content_type="application/json")
    result = run(make(merchant, url, records_path=path), on_commit)
    assert (result.status, result.error_code) == (ConnectorRun.Status.FAILED, code)
    assert result.batch_id is None and result.finished_at is not None
    assert not ImportBatch.objects.filter(merchant=merchant).exists()


def test_a_missing_export_is_a_failed_run_with_its_status(merchant, source, on_commit):
    connector = make(merchant, source.base + "/gone.json")
    result = run(connector, on_commit)
    assert (result.status, result.error_code, result.http_status) == ("failed", "fetch_failed", 404)
    assert "no such export" not in result.error  # the source's body is never kept


def test_too_many_rows_are_refused(merchant, source, on_commit, monkeypatch):
    from loyalty.connectors import fetching

    monkeypatch.setattr(fetching, "MAX_ROWS", 2)
    url = source.serve_json("/many.json", [{"external_id": str(i)} for i in range(3)])
    assert run(make(merchant, url), on_commit).error_code == "too_many_rows"


def test_credentials_go_in_the_request_and_only_there(merchant, source, on_commit):
    url = source.serve_json("/secure.json", [])
    bearer = make(merchant, url, auth=Connector.Auth.BEARER, credentials="tok-SECRET-123")
    header = make(
        merchant, url, name="Key", auth=Connector.Auth.HEADER, auth_header="X-Api-Key", credentials="key-SECRET-9"
    )
    basic = make(merchant, url, name="Basic", auth=Connector.Auth.BASIC, credentials="shop:pa ss")
    for connector in (bearer, header, basic):
        assert run(connector, on_commit).status == "done"
    sent = [headers for _path, headers in source.requests]
    assert sent[0]["Authorization"] == "Bearer tok-SECRET-123"
    assert sent[1]["X-Api-Key"] == "key-SECRET-9"
    assert sent[2]["Authorization"] == "Basic c2hvcDpwYSBzcw=="


def test_customers_feed_enrols_new_customers_and_matches_known_ones(merchant, source, on_commit):
    known = UserFactory()
    url = source.serve_json(
        "/customers.json",
        [
            {"id": "c-1", "mobile": "+996 555 100 200", "full_name": "Aida", "mail": "aida@example.kg"},
            {"id": "c-2", "mobile": known.phone, "full_name": "Known"},
            {"id": "c-3", "mobile": "not a phone"},
            {"id": "c-4", "mobile": "+996555100201", "mail": "not-an-email"},
            {"id": "c-5", "mobile": "+996555100202", "full_name": "x" * 300},
        ],
    )
    connector = make(
        merchant,
        url,
        feed=Connector.Feed.CUSTOMERS,
        field_mapping={"external_id": "id", "phone": "mobile", "name": "full_name", "email": "mail"},
    )
    result = run(connector, on_commit)
    report = result.report()
    assert (report["created_count"], report["duplicate_count"]) == (1, 1)
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (2, "invalid_phone"),
        (3, "invalid_email"),
        (4, "invalid_name"),
    ]
    aida = User.objects.get(phone="+996555100200")
    assert (aida.name, aida.email, aida.has_usable_password()) == ("Aida", "aida@example.kg", False)
    assert Account.objects.filter(customer__in=[aida, known], merchant=merchant).count() == 2
    again = run(connector, on_commit).report()
    assert (again["created_count"], again["duplicate_count"]) == (0, 2)
    assert User.objects.filter(phone="+996555100200").count() == 1


def test_a_run_still_going_is_returned_not_doubled(merchant, source, on_commit):
    connector = make(merchant, source.serve_json("/x.json", []))
    going = ConnectorRun.objects.create(connector=connector, merchant=merchant)
    assert services.connector_run(connector_id=connector.pk).pk == going.pk
    assert ConnectorRun.objects.count() == 1
    # After its lease a run is taken to have died; the next run replaces it.
    ConnectorRun.objects.filter(pk=going.pk).update(started_at=timezone.now() - services.RUN_LEASE * 2)
    fresh = run(connector, on_commit)
    assert fresh.pk != going.pk and fresh.status == "done"
    going.refresh_from_db()
    assert (going.status, going.error_code) == ("failed", "abandoned")


def test_the_beat_job_runs_due_connectors_once(merchant, source, on_commit):
    url = source.serve_json("/due.json", [])
    due = make(merchant, url)
    later = make(merchant, url, name="Later")
    Connector.objects.filter(pk=later.pk).update(next_run_at=timezone.now() + datetime.timedelta(hours=1))
    off = make(merchant, url, name="Off", is_active=False)
    assert on_commit(tasks.connectors_run_due) == 1
    assert list(ConnectorRun.objects.values_list("connector_id", flat=True)) == [due.pk]
    assert on_commit(tasks.connectors_run_due) == 0  # claimed: its next run moved on
    due.refresh_from_db()
    assert due.next_run_at > timezone.now() + datetime.timedelta(minutes=due.interval_minutes - 1)
    assert not ConnectorRun.objects.filter(connector__in=[later, off]).exists()


def test_the_beat_job_is_installed_with_the_others():
    from django_celery_beat.models import PeriodicTask

    from loyalty.connectors.schedules import schedules_install
    from skypark.core.schedules import installers

    assert "connectors" in {label for label, _install in installers()}
    schedules_install()
    assert PeriodicTask.objects.filter(task="loyalty.connectors.tasks.connectors_run_due", enabled=True).exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.5", "169.254.169.254", "[::1]", "localhost"])
def test_private_addresses_are_refused_without_the_test_allowance(merchant, settings, host):
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    with pytest.raises(services.InvalidConnector) as refused:
        make(merchant, f"http://{host}:8080/export.json")
    assert "endpoint" in refused.value.details
    assert not Connector.objects.exists()


def test_a_source_that_turns_private_is_refused_at_fetch(merchant, source, settings, on_commit):
    connector = make(merchant, source.serve_json("/x.json", [{"external_id": "1"}]))
    settings.WEBHOOKS_ALLOWED_NETWORKS = []  # e.g. DNS now answers with a private address
    result = run(connector, on_commit)
    assert (result.status, result.error_code) == ("failed", "unsafe_url")
    assert source.requests == []


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"field_mapping": {"amount": 5}}, "field_mapping"),
        ({"field_mapping": {"bogus": "x"}}, "field_mapping"),
        ({"field_mapping": ["external_id"]}, "field_mapping"),
        ({"auth": "header"}, "auth_header"),
        ({"format": "csv", "records_path": "data"}, "records_path"),
        ({"interval_minutes": 1}, "interval_minutes"),
        ({"endpoint": "ftp://example.com/x"}, "endpoint"),
    ],
)
def test_bad_settings_are_refused_with_the_field(merchant, source, fields, field):
    fields = {"endpoint": source.base + "/x.json", **fields}
    with pytest.raises(services.InvalidConnector) as refused:
        services.connector_create(merchant=merchant, name="Bad", **fields)
    assert field in refused.value.details


def test_credentials_too_long_or_with_nul_are_refused(merchant, source):
    for bad in ("x" * 2001, "tok\x00en"):
        with pytest.raises(services.InvalidConnector):
            make(merchant, source.base + "/x.json", auth="bearer", credentials=bad)


def test_the_run_task_runs_as_the_admin_action_asks(merchant, source, on_commit, staff_user):
    connector = make(merchant, source.serve_json("/t.json", []))
    on_commit(tasks.connector_run_task, connector.pk, trigger="manual", actor_id=staff_user.pk)
    only = ConnectorRun.objects.get()
    assert (only.trigger, only.started_by, only.status) == ("manual", staff_user, "done")
    assert json.loads(json.dumps(only.report()))["import_status"] == "done"
