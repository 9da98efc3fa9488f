"""Settings for the load benchmarks in ``bench/`` (``make bench``).

Production-like where it matters for the figures: DEBUG off (no query log kept in
memory), persistent database connections, no throttling (the benchmark is the only
client and would otherwise measure the throttle), and a middleware that reports the
number of SQL queries of every request in an ``X-Query-Count`` header. Only loopback
hosts are allowed: the benchmark never leaves 127.0.0.1.
"""

import os

from . import *  # noqa: F403
from . import DB_POOL, MIDDLEWARE, REST_FRAMEWORK, env

DEBUG = False
# Loopback only, throw-away data: the benchmark servers run with the development key.
DEVELOPMENT = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/skypark_bench")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: one PostgreSQL backend per gunicorn thread for the whole run;
# or, with DB_POOL=true, the production pool (skypark.settings), to compare the two.
if DB_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"pool": DB_POOL}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = None
    # As deployed (deploy/skypark.env.example: CONN_MAX_AGE, no health checks): a health
    # check costs every request a "SELECT 1" round trip before its first query, which
    # X-Query-Count does not see. BENCH_CONN_HEALTH_CHECKS=true measures with it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("BENCH_CONN_HEALTH_CHECKS", default=False)

# Per-process memory is enough: nothing the benchmarks touch relies on a shared cache
# (sessions are in the database), and a network cache would add its own latency.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "skypark-bench"}}

# Outermost, so that it also counts the queries of the session and auth middlewares.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

REST_FRAMEWORK = {**REST_FRAMEWORK}
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []
# Views that name their own throttle (log-in, partner) still look up these rates.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000000/min")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# The purchase scenario's Celery worker counts each task's statements (bench/worker.py).
if os.environ.get("BENCH_WORKER_QUERY_LOG"):
    import bench.worker  # noqa: F401
