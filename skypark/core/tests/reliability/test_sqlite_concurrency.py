"""The embedded default — SQLite in a file, the threaded development server, as ``make
run`` starts it — answers a few concurrent users without a single 500: concurrent
sign-ups and eight tills selling to one customer at once all succeed."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="proves the embedded SQLite default; the PostgreSQL run has its own race tests",
)

ROOT = Path(settings.BASE_DIR)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def sqlite_server(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "skypark.settings",
        "SKYPARK_DEVELOPMENT": "1",
        "CELERY_BROKER_URL": "memory://",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SMS_BACKEND": "skypark.notify.sms.FileSmsBackend",
        "SMS_FILE_PATH": str(tmp_path / "sms"),
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "THROTTLE_LOGIN": "1000/min",
    }
    env.pop("CACHE_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True, cwd=ROOT)
    seeded = subprocess.run([*manage, "seed_demo"], env=env, check=True, capture_output=True, text=True, cwd=ROOT)
    key = re.search(r"API key for skypark-bishkek \(shown once\): (\S+)", seeded.stdout).group(1)
    code = (
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from skypark.accounts.models import User; print(User.objects.get(phone='+996555000000').customer_code)",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    yield base, key, code, tmp_path / "sms" / "outbox.log"
    server.terminate()
    server.wait(timeout=10)


def test_concurrent_writes_on_the_embedded_default_never_500(sqlite_server):
    base, key, customer_code, sms_log = sqlite_server
    auth = {"Authorization": f"Api-Key {key}"}

    def sale(i):
        body = {"external_id": f"till-{i}", "customer_code": customer_code, "entry": "manual", "amount": "500.00"}
        return _call(base + "/api/v1/partner/transactions/", body, auth)

    def sign_up_code(i):
        phone = f"+99655590{i:04d}"
        assert _call(base + "/api/v1/auth/register/code/", {"phone": phone})[0] == 202
        return re.findall(rf"SMS to \{phone}\n\D*(\d{{6}})", sms_log.read_text())[-1]

    codes = [sign_up_code(i) for i in range(8)]

    def sign_up(i):
        body = {"phone": f"+99655590{i:04d}", "code": codes[i], "password": "long-pass-word-1", "name": f"Guest {i}"}
        return _call(base + "/api/v1/auth/register/", body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        sales = list(pool.map(sale, range(8)))
        sign_ups = list(pool.map(sign_up, range(8)))
        retries = list(pool.map(lambda _: sale(0), range(4)))

    assert [status for status, _ in sales] == [201] * 8, sales
    assert [status for status, _ in sign_ups] == [201] * 8, sign_ups
    assert sorted(status for status, _ in retries) == [200] * 4, retries
