"""Query counting for the benchmark server (enabled only by ``skypark.settings.bench``).

Every response carries ``X-Query-Count``. When ``BENCH_QUERY_LOG`` names a file and a
request sends ``X-Bench-Trace: 1``, the SQL and duration of each of its queries are
appended to that file as one JSON line, so a scenario can show which query costs what.
"""

import json
import os
import time

from django.db import connection


class _Counter:
    def __init__(self, trace):
        self.count = 0
        self.trace = trace
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if not self.trace:
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append({"ms": round((time.perf_counter() - started) * 1000, 3), "sql": sql})


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.log_path = os.environ.get("BENCH_QUERY_LOG")

    def __call__(self, request):
        trace = bool(self.log_path) and request.headers.get("X-Bench-Trace") == "1"
        counter = _Counter(trace)
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(counter.count)
        if trace:
            line = json.dumps({"path": request.get_full_path(), "queries": counter.queries})
            with open(self.log_path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        return response
