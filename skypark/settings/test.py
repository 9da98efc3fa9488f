"""Settings for the test suite: the same as development, with tasks run eagerly, mail
kept in memory and a fast password hasher. ``DATABASE_URL`` still picks the engine, so
CI runs the suite on PostgreSQL and on SQLite."""

import tempfile  # noqa: E402

from . import *  # noqa: F403
from . import env

DEBUG = False
# The suite is a development environment: demo logins may be seeded.
DEVELOPMENT = True
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "skypark.notify.sms.MemorySmsBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": cache_config(env("CACHE_URL", default="locmemcache://skypark-test"))}  # noqa: F405
# Tests change settings and books in the database between requests: each read checks its
# copy against the cache (the copies themselves are tested with the production delay).
HOT_CACHE_LOCAL_SECONDS = 0.0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "anon": "10000/min",
    "user": "10000/min",
}
LANGUAGE_CODE = "en"
# The log-in lockout needs a request on every authenticate() (the test client's login()
# has none) and would carry counts between tests: it is off here and switched on by the
# tests that are about it (skypark/core/tests/reliability/test_brute_force.py).
AXES_ENABLED = False

# Each test run gets its own analytical store (tests that write take a fresh one each).
ANALYTICS_STORE_DIR = env("ANALYTICS_STORE_DIR", default=tempfile.mkdtemp(prefix="skypark-analytics-"))
# A second database stands in for the read replica (created only for the tests that ask
# for it with ``databases=["default", "replica"]``, which also switch REPORTS_ON_REPLICA on).
DATABASES.setdefault(  # noqa: F405
    "replica",
    {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "replica-standin.sqlite3"),  # noqa: F405
        # tables straight from the models (a replica is a copy; it never runs migrations)
        "TEST": {"MIGRATE": False},
    },
)


# An API view that declares its errors (api_errors) may answer only those it documents
# (skypark.core.api.documented_errors).
API_ERRORS_MUST_BE_DOCUMENTED = True
