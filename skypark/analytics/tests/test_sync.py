"""The sync: incremental by watermark, idempotent without OPTIMIZE, catching up after
downtime, lag in /healthz."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from skypark.analytics import sync
from skypark.analytics.models import SyncState
from skypark.analytics.schema import TRANSACTION_FACTS
from skypark.analytics.tasks import sync_transactions_to_clickhouse
from skypark.core.facts import fact_sources

from .helpers import customer, sale

pytestmark = pytest.mark.django_db

FIGURES = f"SELECT count() AS n, sum(amount) AS total FROM {TRANSACTION_FACTS.latest()} WHERE source = 'pos'"


def _pos():
    return fact_sources()["loyalty.pos_transactions"]


def test_sync_is_incremental_and_rerunning_changes_no_figure(store):
    buyer = customer()
    for amount in ("100.00", "250.00", "50.00"):
        sale(buyer=buyer, amount=amount)
    sync_transactions_to_clickhouse.delay()
    assert store.query(FIGURES) == [{"n": 3, "total": Decimal("400.00")}]
    state = SyncState.objects.get(source="loyalty.pos_transactions")
    assert state.rows_synced == 3 and state.watermark_at is not None

    # Re-running (and two overlapping runs) writes the same versions again: no figure moves,
    # and nothing was merged or optimised in between.
    sync.source_sync(source=_pos())
    sync.source_sync(source=_pos())
    assert store.query(FIGURES) == [{"n": 3, "total": Decimal("400.00")}]

    sale(buyer=buyer, amount="10.00")
    sync.facts_sync()
    assert store.query(FIGURES) == [{"n": 4, "total": Decimal("410.00")}]


def test_a_changed_row_replaces_its_fact(store):
    tx = sale(amount="100.00")
    sync.facts_sync()
    tx.amount = Decimal("80.00")
    tx.status = "partially_refunded"
    tx.save()
    sync.facts_sync()
    assert store.query(FIGURES) == [{"n": 1, "total": Decimal("80.00")}]
    tx.status = "voided"
    tx.save()
    sync.facts_sync()
    assert store.query(FIGURES) == [{"n": 0, "total": Decimal("0.00")}]


def test_the_sync_catches_up_after_downtime_in_one_run(store):
    buyer = customer()
    for i in range(23):
        sale(buyer=buyer, amount=f"{i + 1}.00")
    written = sync.source_sync(source=_pos(), batch=5)
    assert written == 23
    assert store.query(FIGURES) == [{"n": 23, "total": Decimal(sum(range(1, 24))).quantize(Decimal("0.01"))}]


def test_lag_is_degraded_not_failed_in_healthz(store, client, settings):
    sale()
    sync.facts_sync()
    assert client.get("/healthz").json()["status"] == "ok"
    settings.ANALYTICS_LAG_BOUND = 60
    SyncState.objects.filter(source="loyalty.pos_transactions").update(
        caught_up_at=timezone.now() - timedelta(minutes=5)
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["checks"]["analytics"] == "lagging"
    assert body["lagging"] == ["loyalty.pos_transactions"]


def test_the_admin_shows_each_sources_lag(store, admin_client_logged, settings):
    sale()
    sync.facts_sync()
    settings.ANALYTICS_LAG_BOUND = 60
    SyncState.objects.filter(source="loyalty.pos_transactions").update(
        caught_up_at=timezone.now() - timedelta(minutes=5)
    )
    page = admin_client_logged.get("/admin/analytics/syncstate/").content.decode()
    assert "loyalty.pos_transactions" in page and "⚠" in page


def test_sync_ignores_what_test_keys_recorded(store):
    buyer = customer()
    sale(buyer=buyer, amount="100.00")
    sale(buyer=buyer, amount="900.00", is_test=True)
    sync.facts_sync()
    assert store.query(FIGURES) == [{"n": 1, "total": Decimal("100.00")}]
