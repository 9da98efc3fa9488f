import json
import logging

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from skypark.accounts.tests.factories import ChildFactory, UserFactory
from skypark.commerce.services import payment_complete, payment_start
from skypark.ops.logs import JsonFormatter
from skypark.ops.request_ids import HEADER, RequestIdFilter, _carry_into_task, request_id
from skypark.parks import services as parks
from skypark.parks.tests.factories import ParkFactory

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def _scrape():
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        values = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return values

    return _scrape


def test_metrics_show_a_sale_and_a_gate_scan_after_they_happen(scrape, django_capture_on_commit_callbacks):
    park = ParkFactory()
    before = scrape()
    sales_key = ("skypark_sales_today", (("currency", "KGS"),))
    scans_key = ("skypark_gate_scans_today", ())
    assert before.get(sales_key, 0) == 0
    assert before[scans_key] == 0

    customer = UserFactory()
    ticket = parks.ticket_order_create(
        customer=customer,
        park=park,
        visit_date=timezone.localdate(),
        visitors=[{"child_id": ChildFactory(parent=customer).pk}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        payment, _action = payment_start(order=ticket.order, provider="sandbox", method="visa")
        payment_complete(payment=payment, external_id=payment.external_id)
    after_sale = scrape()
    assert after_sale[sales_key] == 1
    assert after_sale[("skypark_sales_amount_today", (("currency", "KGS"),))] == float(ticket.order.total)
    assert after_sale[scans_key] == 0

    ticket.refresh_from_db()
    assert parks.ticket_admit(code=ticket.backup_code, park=park).admitted
    after_scan = scrape()
    assert after_scan[scans_key] == 1
    assert after_scan[("skypark_park_occupancy", ())] == 1
    # Request and database figures from django-prometheus, backlogs from the apps.
    assert any(name.startswith("django_http_requests_total_by_method") for name, _labels in after_scan)
    assert any(name.startswith("django_db_execute_total") for name, _labels in after_scan)
    assert ("skypark_webhook_backlog", ()) in after_scan
    assert ("skypark_notification_lag_seconds", ()) in after_scan


def test_metrics_are_not_public(client, settings, staff_user):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    client.force_login(UserFactory())
    assert client.get("/metrics").status_code == 404
    client.force_login(staff_user)
    assert client.get("/metrics").status_code == 200
    client.logout()
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_liveness_readiness_and_the_old_health_address(client):
    live = client.get("/healthz/live")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = client.get("/healthz/ready")
    old = client.get("/healthz")
    assert ready.json()["checks"] == old.json()["checks"]
    assert set(ready.json()["checks"]) == {"database", "broker", "analytics"}
    assert ready.status_code == old.status_code


def test_a_request_id_is_taken_or_made_and_answered(client):
    given = client.get("/healthz/live", HTTP_X_REQUEST_ID="edge-7f3a9c01")
    assert given[HEADER] == "edge-7f3a9c01"
    made = client.get("/healthz/live", HTTP_X_REQUEST_ID="bad id with spaces")
    assert len(made[HEADER]) == 32 and made[HEADER] != "bad id with spaces"


def test_json_log_lines_carry_the_request_id():
    record = logging.LogRecord("skypark.test", logging.WARNING, __file__, 1, "sold %s", ("out",), None)
    record.park = 7
    token = request_id.set("req-0123456789")
    try:
        assert RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "sold out"
    assert line["request_id"] == "req-0123456789"
    assert line["level"] == "WARNING" and line["logger"] == "skypark.test" and line["park"] == 7


def test_a_task_published_in_a_request_runs_under_its_request_id():
    from skypark.celery import app

    @app.task(name="ops_tests.current_request_id")
    def current_request_id():
        return request_id.get()

    headers = {}
    token = request_id.set("req-abcdef0123")
    try:
        _carry_into_task(headers=headers)
    finally:
        request_id.reset(token)
    assert headers == {"request_id": "req-abcdef0123"}
    # A worker receives those headers with the message: the task runs under the id.
    assert current_request_id.apply(headers=headers).get() == "req-abcdef0123"
    assert request_id.get() == ""


def test_sentry_reports_errors_when_a_dsn_is_set():
    import sentry_sdk

    from skypark.ops.sentry import sentry_init

    sent = []
    assert sentry_init("") is False
    try:
        assert sentry_init("https://public@sentry.example.invalid/1", transport=sent.append)
        try:
            raise ValueError("gate jammed")
        except ValueError as exc:
            sentry_sdk.capture_exception(exc)
        sentry_sdk.flush()
    finally:
        sentry_sdk.init()
    assert sent, "nothing reached the transport"
    text = json.dumps(sent, default=str)
    assert "gate jammed" in text
    assert "ValueError" in text


def test_several_gunicorn_workers_add_up_in_one_scrape(scrape, tmp_path, monkeypatch):
    from prometheus_client import CollectorRegistry, Counter, values

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setattr(values, "ValueClass", values.MultiProcessValue(lambda: 4242))
    Counter("skypark_test_requests", "requests of another worker", registry=CollectorRegistry()).inc(3)
    figures = scrape()
    assert figures[("skypark_test_requests_total", ())] == 3
    assert ("skypark_gate_scans_today", ()) in figures
