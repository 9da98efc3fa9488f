import threading

import pytest

from skypark.core.testing import run_together


def test_run_together_returns_every_result_and_error():
    def fails():
        raise ValueError("no")

    results, errors = run_together([lambda: 1, lambda: 2, fails], threads=2)
    assert sorted(results) == [1, 2]
    assert [type(e) for e in errors] == [ValueError]


def test_run_together_fails_when_a_thread_does_not_finish():
    release = threading.Event()

    def stuck():
        release.wait(10)

    try:
        with pytest.raises(AssertionError, match="still running"):
            run_together([stuck, lambda: 1], timeout=0.5)
    finally:
        release.set()


class _Report:
    def __init__(self, nodeid, keywords=(), longrepr=""):
        self.nodeid, self.keywords, self.longrepr = nodeid, dict.fromkeys(keywords, 1), longrepr


def test_skipped_postgres_tests_are_found_and_announced():
    from skypark.core.testing import postgres_banner, postgres_only_skips

    reports = [
        _Report("a/test_concurrency.py::test_race", keywords=["postgres"]),
        _Report("b/test_imports.py::test_raw", longrepr="('b', 3, \"Skipped: the raw SQL path is PostgreSQL's\")"),
        _Report("c/test_browser.py::test_walk", longrepr="Skipped: no Chromium"),
    ]
    found = postgres_only_skips(reports)
    assert found == ["a/test_concurrency.py::test_race", "b/test_imports.py::test_raw"]
    banner = postgres_banner(found, "sqlite")
    assert banner[0].startswith("2 TESTS THAT NEED POSTGRESQL") and "sqlite" in banner[0]
    assert "  a/test_concurrency.py" in banner and "  b/test_imports.py" in banner
    assert postgres_banner([], "sqlite") == []
