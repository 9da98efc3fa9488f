"""Helpers for tests that prove rules under real concurrency (PostgreSQL, real threads)."""

import threading
import time

from django.db import connections


def run_together(jobs, *, threads=None, timeout=120):
    """Run the callables in ``jobs`` on ``threads`` threads (default: one per job) that
    start together behind a barrier; each thread runs its share of the jobs in turn and
    closes its database connection at the end. Returns ``(results, errors)``: the value
    of every job that returned and the exception of every job that raised.

    Every thread holds one database connection, and the shared PostgreSQL allows 100 in
    all, so races with more jobs than that pass ``threads``."""
    threads = min(threads or len(jobs), len(jobs))
    barrier = threading.Barrier(threads)
    results, errors, lock = [], [], threading.Lock()

    finished = []

    def worker(share):
        try:
            barrier.wait()
            for job in share:
                try:
                    value = job()
                except Exception as exc:
                    with lock:
                        errors.append(exc)
                else:
                    with lock:
                        results.append(value)
            with lock:
                finished.append(len(share))
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(jobs[i::threads],)) for i in range(threads)]
    for thread in pool:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in pool:
        thread.join(timeout=max(deadline - time.monotonic(), 0))
    stuck = sum(thread.is_alive() for thread in pool)
    assert not stuck, f"{stuck} of {threads} threads still running after {timeout} s (a lock never released?)"
    assert len(finished) == threads, f"{threads - len(finished)} of {threads} threads died before finishing their jobs"
    assert len(results) + len(errors) == len(jobs), f"{len(jobs) - len(results) - len(errors)} jobs never ran"
    return results, errors


def postgres_only_skips(skipped_reports) -> list[str]:
    """The node ids of skipped tests that needed PostgreSQL: marked ``postgres``, or
    skipped for a reason that names it."""
    return sorted(
        {
            report.nodeid
            for report in skipped_reports
            if "postgres" in getattr(report, "keywords", {}) or "PostgreSQL" in str(getattr(report, "longrepr", ""))
        }
    )


def postgres_banner(nodeids, vendor: str) -> list[str]:
    """What a run prints at the end when the locking tests did not run: loud, with the
    count, the files and how to run them."""
    if not nodeids:
        return []
    files = sorted({nodeid.split("::")[0] for nodeid in nodeids})
    return [
        f"{len(nodeids)} TESTS THAT NEED POSTGRESQL (ROW LOCKS, CONCURRENCY, TRIGGERS) DID NOT RUN (database: {vendor}).",
        "Nothing they check (overselling, double admission, double spending, races, append-only) was tested.",
        "Run them with DATABASE_URL=postgres://postgres@127.0.0.1:5432/skypark make test. Files:",
        *(f"  {name}" for name in files),
    ]
