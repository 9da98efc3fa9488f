"""The fact registry: each domain declares its facts, every money fact has a currency,
the retention is the seed's, and the analytics code never imports a domain's models."""

import ast
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from skypark.analytics.schema import RFM_SNAPSHOTS, TABLES, TRANSACTION_FACTS
from skypark.core.facts import fact_sources

from .helpers import sale

ANALYTICS = Path(__file__).resolve().parent.parent
DOMAINS = ("loyalty", "events", "bookings", "skypark.parks", "skypark.commerce")


def test_each_domain_declares_its_facts():
    names = set(fact_sources())
    assert {
        "loyalty.pos_transactions",
        "loyalty.cross_promo_triggers",
        "loyalty.cross_promo_conversions",
        "commerce.orders",
        "parks.tickets",
        "parks.visits",
        "bookings.bookings",
        "events.attendance",
    } <= names
    for source in fact_sources().values():
        assert source.table in TABLES


def test_analytics_never_imports_a_domain():
    for path in ANALYTICS.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            for module in modules:
                assert not module.startswith(DOMAINS), f"{path.name} imports {module}"


@pytest.mark.django_db
def test_every_money_fact_carries_its_currency():
    sale(currency="GBP", amount="12.50")
    sale(currency="KGS", amount="900.00")
    rows = fact_sources()["loyalty.pos_transactions"].changes(None, 100)
    assert sorted((r["currency"], r["amount"]) for r in rows) == [("GBP", Decimal("12.50")), ("KGS", Decimal("900.00"))]
    for source in fact_sources().values():
        for column, _type in TABLES[source.table].columns:
            if column in ("amount", "revenue", "monetary_value"):
                assert "currency" in TABLES[source.table].column_names


def test_retention_is_the_seeds():
    assert "TTL toDate(occurred_at) + INTERVAL 24 MONTH DELETE" in TRANSACTION_FACTS.ddl()
    assert "TTL toDate(snapshot_date) + INTERVAL 12 MONTH DELETE" in RFM_SNAPSHOTS.ddl()


def test_expired_rows_are_not_read(store):
    old = date.today() - timedelta(days=400)
    row = {
        "scope_merchant_id": 0,
        "currency": "KGS",
        "user_id": 1,
        "recency_days": 1,
        "frequency_count": 1,
        "monetary_value": Decimal("1.00"),
        "r_score": 1,
        "f_score": 1,
        "m_score": 1,
        "rfm_segment": "lost",
        "version": 1,
        "is_deleted": 0,
    }
    store.insert("rfm_snapshots", [dict(row, snapshot_date=old), dict(row, snapshot_date=date.today())])
    assert store.scalar("SELECT count() FROM rfm_snapshots") == 1
