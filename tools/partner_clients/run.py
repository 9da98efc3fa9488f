"""Generated clients against a live server: the CI step that fails when ``/api/schema/``
stops producing clients that work.

1. A fresh database (SQLite in a temporary folder), migrated; a merchant with an API key, a
   customer with points and a coupon (``seed.py``).
2. ``manage.py runserver`` on a free port; ``/api/schema/`` fetched from it.
3. A Python client generated with openapi-python-client (pinned in requirements-dev.txt) and
   the partner scenario (``scenario.py``) run with it against the server.
4. Meanwhile TypeScript types generated with openapi-typescript and ``partner.ts``
   type-checked with ``tsc`` (both pinned in package.json / package-lock.json, ``npm ci``).

    python tools/partner_clients/run.py [--keep]
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent


STARTED = time.monotonic()


def step(name):
    print(f"== {name} (+{time.monotonic() - STARTED:.1f} s)", flush=True)


def run(args, **kwargs):
    subprocess.run(args, check=True, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, timeout=60) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def typescript(schema: Path) -> subprocess.Popen:
    """npm ci, openapi-typescript and tsc, in the background."""
    npx = ["npx", "--no-install"]
    script = " && ".join(
        [
            "npm ci --no-audit --no-fund --loglevel=error",
            " ".join(
                [
                    *npx,
                    "openapi-typescript",
                    str(schema),
                    "--default-non-nullable",
                    "false",
                    "-o",
                    "generated/schema.d.ts",
                    "--silent",
                ]
            ),
            " ".join([*npx, "tsc", "-p", "."]),
        ]
    )
    return subprocess.Popen(["sh", "-c", script], cwd=HERE)


def main(keep=False):
    work = Path(tempfile.mkdtemp(prefix="skypark-clients-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "SKYPARK_DEVELOPMENT": "1",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DJANGO_SETTINGS_MODULE": "skypark.settings",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        env.pop(name, None)
    server = None
    try:
        step("migrate a fresh database")
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env)
        seeded = json.loads(
            subprocess.run(
                [PYTHON, str(HERE / "seed.py")], cwd=ROOT, env=env, check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        step(f"start the server on {base}")
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(work / "server.log", "w"),
        )
        schema = work / "schema.json"
        schema.write_bytes(wait_for(f"{base}/api/schema/?format=json"))

        step("TypeScript client: npm ci, openapi-typescript, tsc (in the background)")
        ts = typescript(schema)

        step("Python client: openapi-python-client")
        package = work / "python" / "skypark_partner_client"
        run(
            [
                str(BIN / "openapi-python-client"),
                "generate",
                "--path",
                str(schema),
                "--output-path",
                str(package),
                "--config",
                str(HERE / "client-config.yaml"),
                "--meta",
                "none",
                "--overwrite",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(work / "generator.log", "w"),
        )

        step("partner scenario with the generated Python client")
        run(
            [PYTHON, str(HERE / "scenario.py"), base],
            env={
                **os.environ,
                "PYTHONPATH": str(work / "python"),
                "API_KEY": seeded["api_key"],
                "CARD_CODE": seeded["card_code"],
                "CUSTOMER_CODE": seeded["customer_code"],
                "COUPON": seeded["coupon"],
            },
        )

        step("wait for the TypeScript type check")
        if ts.wait() != 0:
            raise SystemExit("the TypeScript client did not generate or type-check")
        step("generated clients work")
    except subprocess.CalledProcessError as exc:
        for log in (work / "generator.log", work / "server.log"):
            if log.exists():
                sys.stderr.write(log.read_text()[-4000:])
        raise SystemExit(f"failed: {' '.join(map(str, exc.cmd))} exited {exc.returncode}") from None
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


if __name__ == "__main__":
    main(keep="--keep" in sys.argv)
