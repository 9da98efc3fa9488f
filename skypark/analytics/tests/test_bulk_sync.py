"""The sync's COPY path on PostgreSQL writes exactly the facts the row path writes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from skypark.analytics import sync
from skypark.analytics.engines import get_engine
from skypark.analytics.models import SyncState
from skypark.analytics.schema import TRANSACTION_FACTS
from skypark.core.facts import fact_sources

from .helpers import customer, sale

pytestmark = pytest.mark.django_db

SOURCE = "loyalty.pos_transactions"


def _rows(engine):
    return engine.query(f"SELECT * FROM {TRANSACTION_FACTS.name} ORDER BY transaction_id, version")


def _sync_into(settings, path, *, bulk):
    settings.ANALYTICS_STORE_DIR = str(path)
    engine = get_engine()
    engine.migrate()
    source = fact_sources()[SOURCE]
    if not bulk:
        source = type(source)(name=source.name, table=source.table, changes=source.changes)
    SyncState.objects.filter(source=SOURCE).delete()
    written = sync.source_sync(source=source, engine=engine, batch=3)
    return written, _rows(engine), SyncState.objects.get(source=SOURCE)


def test_the_copy_path_writes_what_the_row_path_writes(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    buyer = customer()
    sales = [sale(buyer=buyer, amount=f"{10 + i}.50", currency="KGS" if i % 2 else "GBP") for i in range(7)]
    sales[1].discount = Decimal("2.25")
    sales[1].points_earned = 12
    sales[1].save()
    sales[2].status = "voided"
    sales[2].save()
    sale(buyer=buyer, is_test=True)  # never a fact
    written_rows, by_row, state_rows = _sync_into(settings, tmp_path / "rows", bulk=False)
    written_copy, by_copy, state_copy = _sync_into(settings, tmp_path / "copy", bulk=True)
    assert written_rows == written_copy == 7  # in batches of 3: 3 + 3 + 1
    assert by_copy == by_row
    assert (state_copy.watermark_at, state_copy.watermark_pk) == (state_rows.watermark_at, state_rows.watermark_pk)
    discounted = next(r for r in by_copy if r["transaction_id"] == f"pos:{sales[1].pk}")
    assert discounted["amount"] == Decimal("9.25") and discounted["bonus_accrued"] == Decimal("12.00")
    assert next(r for r in by_copy if r["transaction_id"] == f"pos:{sales[2].pk}")["is_deleted"] == 1


def test_the_copy_path_is_incremental_and_idempotent(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    settings.ANALYTICS_STORE_DIR = str(tmp_path)
    engine = get_engine()
    engine.migrate()
    first = sale(amount="100.00")
    assert sync.facts_sync()[SOURCE] == 1
    first.refunded_amount = Decimal("40.00")
    first.save()
    sale(amount="5.00", at=first.occurred_at - timedelta(days=1))
    sync.facts_sync()
    sync.facts_sync()  # the overlap window writes rows again: no figure moves
    rows = engine.query(
        f"SELECT count() AS n, sum(amount - refunded) AS net FROM {TRANSACTION_FACTS.latest()} WHERE source = 'pos'"
    )
    assert rows == [{"n": 2, "net": Decimal("65.00")}]


def test_a_batch_after_the_watermark_starts_in_the_index_instead_of_sorting_the_table():
    """The sync reads the till's transactions in batches after a watermark: each batch
    must seek to the watermark in the (updated_at, id) index, or every batch would sort
    all the rows after it and a sync of millions of rows would slow down with each batch."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    buyer = customer()
    first = sale(buyer=buyer)
    source = fact_sources()[SOURCE]
    spec = source.bulk((first.updated_at, first.pk))
    query = spec.queryset.values("pk")[:50_000]
    with connection.cursor() as cursor:
        # On a table this small any plan is cheap: switch off the alternatives, and a plan
        # that still sorts is one the index cannot serve.
        for switch in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {switch} = off")
        plan = query.explain()
    assert "loyalty_tx_facts_idx" in plan
    index_line = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "updated_at >=" in index_line
    assert "Sort" not in plan


@pytest.mark.parametrize("name", sorted(fact_sources()))
def test_every_source_reads_a_batch_from_an_index_at_the_watermark(name):
    """Each fact source, as the sync calls it after a watermark, reads its rows from an
    index in watermark order: no plan sorts the rows after the watermark, so the sync of a
    large table does not slow down with each batch."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    source = fact_sources()[name]
    with CaptureQueriesContext(connection) as captured:
        source.changes((timezone.now(), 0), 1000)
    ordered = [q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"]]
    assert ordered
    with connection.cursor() as cursor:
        for switch in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {switch} = off")
        for sql in ordered:
            cursor.execute(f"EXPLAIN {sql}")
            plan = [row[0].strip() for row in cursor.fetchall()]
            # An incremental sort of the rows that share one change time is fine; a sort
            # of everything after the watermark is not.
            assert not [
                line
                for line in plan
                if "Sort" in line
                and "Incremental Sort" not in line
                and "Presorted" not in line
                and not line.startswith("Sort Key")
            ], "\n".join(plan)
