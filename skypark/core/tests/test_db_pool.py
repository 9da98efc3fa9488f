"""The PostgreSQL connection pool is switched on and sized from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = (
    "import json, django; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'pool': d.get('OPTIONS', {}).get('pool'), 'age': d['CONN_MAX_AGE']}))"
)


def _database_settings(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DB_POOL")}
    base.update(DJANGO_SETTINGS_MODULE="skypark.settings", DATABASE_URL="postgres://postgres@127.0.0.1:5432/x", **env)
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=base, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_pool_is_off_unless_asked_for():
    assert _database_settings()["pool"] is None


def test_the_pool_has_the_documented_sizes_and_replaces_persistent_connections():
    found = _database_settings(DB_POOL="true", CONN_MAX_AGE="600")
    assert found["pool"] == {"min_size": 5, "max_size": 15, "timeout": 30.0, "max_lifetime": 1800.0}
    assert found["age"] == 0
    resized = _database_settings(DB_POOL="true", DB_POOL_MAX_SIZE="40", DB_POOL_TIMEOUT="5")
    assert resized["pool"]["max_size"] == 40 and resized["pool"]["timeout"] == 5.0
