"""The store itself: versioned schema, reads that never count a row twice, and the
embedded store shared by several processes."""

import multiprocessing
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from skypark.analytics.checks import analytics_schema_check
from skypark.analytics.engines import get_engine, render
from skypark.analytics.engines.embedded import EmbeddedEngine
from skypark.analytics.schema import SCHEMA_VERSION, TRANSACTION_FACTS


def _fact(i, *, version=1, amount="1.00", deleted=0):
    return {
        "user_id": i % 7,
        "occurred_at": datetime(2026, 11, 1, 10, tzinfo=UTC),
        "transaction_id": f"pos:{i}",
        "source": "pos",
        "merchant_id": 1,
        "category": "till",
        "currency": "KGS",
        "amount": Decimal(amount),
        "refunded": Decimal("0"),
        "bonus_accrued": Decimal("0"),
        "status": "completed",
        "version": version,
        "is_deleted": deleted,
    }


def test_schema_is_versioned_idempotent_and_checked_at_start(settings, tmp_path, capsys):
    settings.ANALYTICS_STORE_DIR = str(tmp_path / "fresh")
    if not settings.CLICKHOUSE_URL:
        assert [w.id for w in analytics_schema_check()] == ["analytics.I001"]  # migrate creates it
    call_command("analytics_migrate")
    call_command("analytics_migrate")
    assert "up to date" in capsys.readouterr().out
    assert SCHEMA_VERSION in get_engine().applied_migrations()
    assert analytics_schema_check() == []


def test_a_store_behind_the_code_is_a_warning(store, monkeypatch):
    from skypark.analytics import schema

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, (99, "a later step", ())])
    assert [w.id for w in analytics_schema_check()] == ["analytics.W001"]


def test_reads_keep_the_latest_version_without_any_merge(store):
    store.insert("transaction_facts", [_fact(1), _fact(2)])
    store.insert("transaction_facts", [_fact(1), _fact(2)])  # a re-run
    store.insert("transaction_facts", [_fact(1, version=2, amount="5.00")])  # a refund changed it
    store.insert("transaction_facts", [_fact(2, version=2, deleted=1)])  # voided
    rows = store.query(f"SELECT count() AS n, sum(amount) AS total FROM {TRANSACTION_FACTS.latest()}")
    assert rows == [{"n": 1, "total": Decimal("5.00")}]


def test_a_repeated_query_is_answered_from_its_parts_until_they_change(store, settings, monkeypatch):
    if settings.CLICKHOUSE_URL:
        pytest.skip("the answer cache belongs to the embedded engine")
    from skypark.analytics.engines import embedded

    runs = []
    connection = store._connection()
    real = connection.query
    monkeypatch.setattr(connection, "query", lambda sql, fmt: runs.append(sql) or real(sql, fmt))
    sql = f"SELECT count() AS n, sum(amount) AS total FROM {TRANSACTION_FACTS.latest()}"
    store.insert("transaction_facts", [_fact(1)])
    first = store.query(sql)
    first[0]["n"] = 999  # a caller changing its rows changes nobody else's
    assert store.query(sql) == [{"n": 1, "total": Decimal("1.00")}]
    assert len(runs) == 1
    store.insert("transaction_facts", [_fact(2, amount="2.00")])  # a new part: the answer moves
    assert store.query(sql) == [{"n": 2, "total": Decimal("3.00")}]
    store.compact(at=2)  # merged parts: same figures, read again from the new part
    assert store.query(sql) == [{"n": 2, "total": Decimal("3.00")}]
    assert len(runs) == 4  # the two runs of the merge itself included
    assert len(embedded._cache) <= embedded.CACHE_SIZE


def test_parameters_are_literals_and_strings_are_escaped():
    assert render("x = {a} AND y IN {b}", {"a": "it's", "b": [1, 2]}) == "x = 'it\\'s' AND y IN (1, 2)"
    with pytest.raises(KeyError):
        render("x = {missing}", {})


# -- several processes on one embedded store ------------------------------------------------

BATCHES = 12
PER_BATCH = 40


def _writer(root, done):
    engine = EmbeddedEngine(root)
    for b in range(BATCHES):
        new = [_fact(b * PER_BATCH + i) for i in range(PER_BATCH)]
        again = [_fact(i) for i in range(b * PER_BATCH)]  # everything before, written again
        engine.insert("transaction_facts", new + again)
        engine.compact(at=3)
    done.set()


def _reader(root, done, results):
    engine = EmbeddedEngine(root)
    seen = []
    sql = f"SELECT count() AS n, sum(amount) AS total FROM {TRANSACTION_FACTS.latest()}"
    try:
        while True:
            finished = done.is_set()
            row = engine.query(sql)[0]
            seen.append((row["n"], str(row["total"])))
            if finished:
                break
        results.put(("ok", seen))
    except Exception as exc:  # reported to the test, which fails on it
        results.put(("error", repr(exc)))


def test_two_processes_query_while_a_third_syncs(tmp_path):
    if get_engine().__class__.__name__ != "EmbeddedEngine":
        pytest.skip("the one-process-per-path limit is chdb's")
    root = str(tmp_path / "shared")
    EmbeddedEngine(root).migrate()
    ctx = multiprocessing.get_context("spawn")
    done, results = ctx.Event(), ctx.Queue()
    readers = [ctx.Process(target=_reader, args=(root, done, results)) for _ in range(2)]
    writer = ctx.Process(target=_writer, args=(root, done))
    for p in readers:
        p.start()
    writer.start()
    outcomes = [results.get(timeout=240) for _ in readers]
    for p in [*readers, writer]:
        p.join(timeout=60)
    assert writer.exitcode == 0
    for status, seen in outcomes:
        assert status == "ok", seen
        counts = [n for n, _total in seen]
        assert counts == sorted(counts), "a reader saw the store go backwards"
        for n, total in seen:
            assert n % PER_BATCH == 0 and Decimal(total) == n, "a row was counted twice or a part half-read"
        assert counts[-1] == BATCHES * PER_BATCH
    assert len(EmbeddedEngine(root)._parts("transaction_facts")) < BATCHES


_PRELOAD_PROBE = """
import sys
import skypark.wsgi  # what gunicorn and runserver import in each web process
from skypark.analytics.engines import embedded
print("chdb" in sys.modules, embedded._state["pid"] is not None and embedded._state["root"] is not None)
"""


@pytest.mark.parametrize("preload, expected", [("true", "True True"), ("false", "False False")])
def test_a_web_process_opens_the_store_as_it_starts(store, settings, preload, expected):
    import os
    import subprocess
    import sys

    if settings.CLICKHOUSE_URL:
        pytest.skip("the server engine has nothing to load")
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="skypark.settings.test",
        ANALYTICS_STORE_DIR=settings.ANALYTICS_STORE_DIR,
        ANALYTICS_PRELOAD=preload,
    )
    done = subprocess.run(
        [sys.executable, "-c", _PRELOAD_PROBE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split("\n")[-2] == expected, done.stderr


def test_preloading_a_store_not_yet_created_is_not_an_error(settings, tmp_path):
    from skypark.analytics.engines import preload

    if settings.CLICKHOUSE_URL:
        pytest.skip("the server engine has nothing to load")
    settings.ANALYTICS_STORE_DIR = str(tmp_path / "not-yet")
    assert preload() is False
    settings.ANALYTICS_PRELOAD = False
    assert preload() is False
