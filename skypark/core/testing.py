"""Helpers for tests that prove rules under real concurrency (PostgreSQL, real threads)."""

import threading

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
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(jobs[i::threads],)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=timeout)
    return results, errors
