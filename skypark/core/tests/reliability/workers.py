"""Real Celery workers for the worker-kill tests: ``celery -A skypark worker``
subprocesses on the suite's own Redis database and a queue of the test's own, against the
test's PostgreSQL database."""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

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


def workers_stop(processes, log, queue):
    """Kills what is left of the workers and drops the test's queue."""
    import redis

    for process in processes:
        if process is not None:
            _kill(process)
    log.close()
    redis.Redis.from_url(BROKER).delete(queue)


def assert_each_reached_once_but_cut_offs(tmp_path, customers):
    """Every customer's e-mail and SMS arrived, each once, except a delivery the kill cut
    off after its message had left and before its row said so: it is taken over once its
    lease has passed and sent again, as no send and database write can be one atomic
    step. That can only be a notification that needed a second attempt: the copies of
    one message are delivered together, so at most its e-mail and its SMS per worker
    process."""
    from skypark.notify.models import Notification

    mails = "".join(p.read_text() for p in (tmp_path / "mail").glob("*.log"))
    emails = Counter(re.findall(r"^To: (\S+)$", mails, flags=re.M))
    assert set(emails) == {c.email for c in customers}
    texts = Counter(re.findall(r"SMS to (\S+)$", (tmp_path / "sms" / "outbox.log").read_text(), flags=re.M))
    assert set(texts) == {c.phone for c in customers}
    doubled = []
    for channel, counts in (("email", emails), ("sms", texts)):
        assert max(counts.values()) <= 2, counts.most_common(3)
        retried = set(Notification.objects.filter(channel=channel, attempts__gt=1).values_list("to_address", flat=True))
        twice = {address for address, n in counts.items() if n == 2}
        assert twice <= retried, (channel, twice - retried)
        doubled += twice
    assert len(doubled) <= 2 * WORKER_PROCESSES, doubled
