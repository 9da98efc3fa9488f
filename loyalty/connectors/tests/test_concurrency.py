"""One run per connector however many workers and beats start one at once
(PostgreSQL, real threads)."""

import pytest
from django.db import connection

from loyalty.connectors import services
from loyalty.connectors.models import ConnectorRun
from loyalty.models import ImportBatch, PosTransaction
from loyalty.services.imports import import_batch_run
from skypark.accounts.tests.factories import MerchantFactory, UserFactory
from skypark.core.testing import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]


def test_many_beats_at_once_claim_each_due_connector_once(source):
    merchant = MerchantFactory()
    url = source.serve_json("/e.json", [])
    ids = {services.connector_create(merchant=merchant, name=f"C{i}", endpoint=url).pk for i in range(5)}
    results, errors = run_together([services.connectors_due for _ in range(12)])
    assert errors == []
    claimed = [pk for result in results for pk in result]
    assert sorted(claimed) == sorted(ids)


def test_many_workers_running_one_connector_never_overlap_and_import_each_sale_once(source, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the imports run below, all at once
    merchant = MerchantFactory()
    anna = UserFactory()
    url = source.serve_json(
        "/sales.json",
        [{"external_id": f"s-{i}", "customer_code": anna.customer_code, "amount": "10.00"} for i in range(3)],
    )
    connector = services.connector_create(merchant=merchant, name="One", endpoint=url)
    _results, errors = run_together([lambda: services.connector_run(connector_id=connector.pk) for _ in range(10)])
    assert errors == []
    # A worker that comes while a run is going gets that run; one that comes after it
    # finished starts the next: runs follow each other, never overlap.
    runs = list(ConnectorRun.objects.filter(connector=connector).order_by("started_at"))
    assert runs and all(run.status == "done" for run in runs)
    for before, after in zip(runs, runs[1:], strict=False):
        assert after.started_at >= before.finished_at
    batches = [run.batch_id for run in runs]
    _results, errors = run_together([lambda pk=pk: import_batch_run(batch_id=pk) for pk in batches for _ in range(2)])
    assert errors == []
    assert PosTransaction.objects.filter(merchant=merchant).count() == 3
    assert sum(ImportBatch.objects.get(pk=pk).created_count for pk in batches) == 3
