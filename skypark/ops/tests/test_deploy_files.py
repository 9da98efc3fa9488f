"""The production files in ``deploy/`` hang together: the example environment passes
``check --deploy``, gunicorn's config loads, each systemd unit runs what it says with
that environment, and nginx hands the app what the settings expect."""

import configparser
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"


def _example_env() -> dict:
    values = {}
    for line in (DEPLOY / "skypark.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _sep, value = line.partition("=")
            values[key] = value
    return values


def test_the_example_environment_passes_check_deploy(tmp_path):
    example = _example_env()
    assert example["DJANGO_SETTINGS_MODULE"] == "skypark.settings.production"
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env = {
        **keep,
        **example,
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        # where the web workers keep their shared metrics (made by systemd in production)
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        # a store of its own, not yet made: what a fresh deploy has before its migrate
        "ANALYTICS_STORE_DIR": str(tmp_path / "analytics"),
    }
    (tmp_path / "prometheus").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    # The one note: the embedded analytical store that migrate will create.
    output = result.stdout + result.stderr
    assert re.findall(r"\?: \((\w+\.\w+)\)", output) == ["analytics.I001"], output


def test_gunicorn_config_loads(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["workers"] == 5
    assert config["bind"] == "unix:/run/skypark/gunicorn.sock"
    assert config["worker_class"] == "sync" and config["timeout"] > 0


def test_one_systemd_unit_per_process():
    units = {}
    for path in sorted((DEPLOY / "systemd").glob("*.service")):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(path)
        units[path.stem] = parser["Service"]
    assert set(units) == {"skypark-web", "skypark-worker", "skypark-beat"}
    assert "gunicorn -c deploy/gunicorn.conf.py skypark.wsgi" in units["skypark-web"]["ExecStart"]
    assert "celery -A skypark worker" in units["skypark-worker"]["ExecStart"]
    assert "celery -A skypark beat" in units["skypark-beat"]["ExecStart"]
    for service in units.values():
        assert service["EnvironmentFile"] == "/etc/skypark/skypark.env"
        assert service["User"] == "skypark" and service["Restart"] == "on-failure"


def test_nginx_terminates_tls_serves_static_and_passes_what_the_settings_read():
    site = (DEPLOY / "nginx" / "skypark.conf").read_text()
    assert "listen 443 ssl" in site and "ssl_certificate " in site
    assert "return 301 https://" in site
    assert "alias /srv/skypark/static/;" in site and _example_env()["STATIC_ROOT"] == "/srv/skypark/static"
    # production's SECURE_PROXY_SSL_HEADER and the request id middleware read these
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "proxy_set_header X-Request-ID $request_id;" in site
    assert "unix:/run/skypark/gunicorn.sock" in site
