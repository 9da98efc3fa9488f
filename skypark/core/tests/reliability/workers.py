"""Real Celery workers for the worker-kill tests: ``celery -A skypark worker``
subprocesses on the suite's own Redis database and a queue of the test's own, against the
test's PostgreSQL database."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

WORKER_PROCESSES = 2


def _broker() -> str:
    """The suite's own Redis database (each run, helper and CI job has its own number in
    CELERY_BROKER_URL); 6 when the suite runs without a Redis broker."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis://") else "redis://127.0.0.1:6379/6"


BROKER = _broker()


def _redis_answers():
    try:
        import redis

        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except Exception:
        return False


def require_redis():
    """Skips without Redis, except under CI, where a worker-kill test must run."""
    if not _redis_answers():
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {BROKER}: CI must run the worker-kill test")
        pytest.skip(f"Redis does not answer at {BROKER}")


def worker_env(tmp_path, queue) -> dict:
    """The environment of a worker on ``queue``: this test's database, files for e-mail
    and SMS under ``tmp_path``, short leases so a dead worker's claims are taken over."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "skypark.settings",
        "SKYPARK_DEVELOPMENT": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "NOTIFY_SENDING_LEASE_SECONDS": "2",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "SMS_BACKEND": "skypark.notify.sms.FileSmsBackend",
        "SMS_FILE_PATH": str(tmp_path / "sms"),
        "CACHE_URL": "locmemcache://worker",
        "SECRET_KEY": settings.SECRET_KEY,
    }


def _worker(env, log):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "skypark",
            "worker",
            f"--concurrency={WORKER_PROCESSES}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _kill(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
