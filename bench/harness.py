"""The benchmark harness: a database of its own per scenario, the real server on loopback,
concurrent keep-alive HTTP clients, and figures printed as JSON lines.

This process never imports Django. Work that needs the ORM (seeding, checking the
database afterwards) runs in a child process through ``bench.djstep``, with the same
settings the server uses, so the harness can recreate databases between scenarios
without fighting Django's connection handling.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/skypark_bench"
SETTINGS_MODULE = "skypark.settings.bench"
LOOPBACK = "127.0.0.1"

# 2 cores: one process per core, threads to overlap the time each request waits on
# PostgreSQL. Overridable to compare layouts without editing code.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))


class BenchError(RuntimeError):
    """The harness could not run a scenario (as opposed to a scenario failing a check)."""


# --------------------------------------------------------------------------- figures


def percentile(values, p: float) -> float | None:
    """The p-th percentile (0..100) with linear interpolation between closest ranks, the
    same definition as numpy's default, so figures compare with other tools."""
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError("p must be within 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Sample:
    ms: float
    status: int  # 0 when the connection failed before a status line arrived
    queries: int | None


@dataclass
class LoadResult:
    clients: int
    samples: list[Sample]
    seconds: float
    cpu_ms: float | None = None
    label: str = ""
    rate: float | None = None

    def row(self) -> dict:
        """One load step as a JSON-ready dict: throughput, latency, errors, queries, CPU."""
        ok = [s for s in self.samples if 200 <= s.status < 400]
        latencies = [s.ms for s in self.samples]
        errors = Counter("conn" if s.status == 0 else str(s.status) for s in self.samples if s not in ok)
        queries = [s.queries for s in self.samples if s.queries is not None]
        n = len(self.samples)
        return {
            "label": self.label,
            "concurrency": self.clients,
            "requests": n,
            "seconds": round(self.seconds, 3),
            "req_s": round(n / self.seconds, 1) if self.seconds > 0 else None,
            "p50_ms": _round(percentile(latencies, 50)),
            "p95_ms": _round(percentile(latencies, 95)),
            "p99_ms": _round(percentile(latencies, 99)),
            "errors": dict(sorted(errors.items())),
            "queries_per_request": round(sum(queries) / len(queries), 2) if queries else None,
            "cpu_ms_per_request": round(self.cpu_ms / n, 2) if self.cpu_ms is not None and n else None,
            "offered_req_s": round(self.rate, 1) if self.rate else None,
        }


def _round(value, digits=2):
    return None if value is None else round(value, digits)


def ratio(value, floor_value) -> float | None:
    if value is None or not floor_value:
        return None
    return round(value / floor_value, 3)


SUMMARY_KEYS = (
    "type",
    "scenario",
    "date",
    "machine",
    "server",
    "concurrency",
    "requests",
    "req_s",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "errors",
    "queries_per_request",
    "cpu_ms_per_request",
    "counters",
    "ok",
)


def pretix_recorded(operation: str, cpu_ms: tuple[float, float], queries: int | None, our_cpu_ms) -> dict:
    """pretix 2026.8's figures for the same operation, recorded side by side with this
    project on the same 2-core machine (2 sync gunicorn workers each; server CPU =
    workers + their PostgreSQL backends) and kept here as constants: this bench does not
    run pretix. The ratio is pretix's CPU (the middle of its range) over ours."""
    middle = (cpu_ms[0] + cpu_ms[1]) / 2
    return {
        "source": "recorded, not measured by this run",
        "operation": operation,
        "pretix_cpu_ms": f"{cpu_ms[0]:g}–{cpu_ms[1]:g}",
        "pretix_queries": queries,
        "cpu_x_less": round(middle / our_cpu_ms, 1) if our_cpu_ms else None,
    }


def build_summary(scenario: str, headline: dict, *, counters: dict, runs: list[dict], extra: dict | None = None):
    """The closing JSON line of a scenario. ``headline`` is the row the scenario is judged
    by (its highest concurrency); ``runs`` are every step, for the chart; ``ok`` is false
    when any correctness counter is not 0."""
    summary = {
        "type": "summary",
        "scenario": scenario,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "server": {"gunicorn_workers": WORKERS, "threads_per_worker": THREADS, "worker_class": "gthread"},
        "concurrency": headline.get("concurrency"),
        "requests": headline.get("requests"),
        "req_s": headline.get("req_s"),
        "p50_ms": headline.get("p50_ms"),
        "p95_ms": headline.get("p95_ms"),
        "p99_ms": headline.get("p99_ms"),
        "errors": headline.get("errors", {}),
        "queries_per_request": headline.get("queries_per_request"),
        "cpu_ms_per_request": headline.get("cpu_ms_per_request"),
        "counters": dict(counters),
        "ok": not failed_counters(counters),
        "runs": runs,
    }
    summary.update(extra or {})
    return summary


def failed_counters(counters: dict) -> list[str]:
    """Names of the correctness counters that are not 0 (a missing value counts as failed:
    a check that could not be made is not a pass)."""
    return sorted(name for name, value in counters.items() if value != 0)


def exit_code(summaries: list[dict]) -> int:
    return 1 if any(failed_counters(s.get("counters", {})) for s in summaries) else 0


def machine() -> dict:
    mem_gib = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "mem_gib": mem_gib, "python": sys.version.split()[0]}


def emit(obj: dict) -> None:
    print(json.dumps(obj, default=str), flush=True)


# --------------------------------------------------------------------------- CPU time

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            raw = fh.read()
    except OSError:
        return None
    # The command name may contain spaces and parentheses; fields start after the last ")".
    return raw[raw.rfind(")") + 2 :].split()


def process_cpu_ms(pid: int) -> float | None:
    fields = _stat_fields(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / _TICKS


def child_pids(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields and int(fields[1]) == parent:
                found.append(int(entry))
    return found


class CpuMeter:
    """CPU time (user + system) of the gunicorn master and workers and of the PostgreSQL
    backends serving the benchmark database, from /proc, between ``start`` and ``stop``.
    A process that appears during the window counts from zero; one that exits during it
    is lost, which persistent connections (CONN_MAX_AGE=None) keep from happening."""

    def __init__(self, server, db: Database, *, others=()):
        # ``server`` is one Server or several (scale-out); ``others`` are further processes
        # (Celery workers) whose CPU, with their children's, counts too.
        self.servers = [s for s in (server if isinstance(server, (list, tuple)) else [server]) if s]
        self.others = list(others)
        self.db = db
        self.before: dict[int, float] = {}

    def _pids(self) -> list[int]:
        pids = []
        for proc in [s.proc for s in self.servers] + self.others:
            if proc is not None:
                pids.append(proc.pid)
                pids.extend(child_pids(proc.pid))
        pids.extend(self.db.backend_pids())
        return pids

    def snapshot(self) -> dict[int, float]:
        return {pid: cpu for pid in self._pids() if (cpu := process_cpu_ms(pid)) is not None}

    def start(self):
        self.before = self.snapshot()

    def stop(self) -> float:
        after = self.snapshot()
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in after.items())


# --------------------------------------------------------------------------- database


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def _migrations_digest() -> str:
    digest = hashlib.sha1()
    for path in sorted(ROOT.glob("**/migrations/*.py")):
        if ".venv" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class Database:
    """One PostgreSQL database per scenario, named after the one in DATABASE_URL.

    Migrating from nothing takes longer than most quick scenarios, so the migrated schema
    is kept as a template database keyed by a digest of every migration file, and each
    scenario's database is a copy of it (CREATE DATABASE … TEMPLATE)."""

    def __init__(self, scenario: str, base_url: str | None = None):
        import psycopg

        self.psycopg = psycopg
        self.base_url = base_url or database_url()
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            raise BenchError(f"benchmarks need PostgreSQL; DATABASE_URL is {parts.scheme}://")
        host = parts.hostname or LOOPBACK
        # The multi-host rehearsal (bench/multihost.sh) runs PostgreSQL in a network
        # namespace of its own and says so; otherwise the benchmarks stay on loopback.
        if host not in (LOOPBACK, "localhost", "::1") and not os.environ.get("BENCH_REMOTE_DATABASE"):
            raise BenchError(f"benchmarks run on loopback only; DATABASE_URL points at {host}")
        self.base_name = parts.path.lstrip("/") or "skypark_bench"
        self.name = f"{self.base_name}_{scenario.replace('-', '_')}"
        self.url = urlunsplit(parts._replace(path="/" + self.name))
        self._admin_url = urlunsplit(parts._replace(path="/postgres"))
        self._monitor = None

    def _admin(self):
        return self.psycopg.connect(self._admin_url, autocommit=True)

    def _exists(self, conn, name) -> bool:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None

    def _template(self) -> str:
        name = f"{self.base_name}_tpl_{_migrations_digest()}"
        with self._admin() as conn:
            if self._exists(conn, name):
                return name
            stale = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{self.base_name}_tpl_%"]
            ).fetchall()
            for (old,) in stale:
                conn.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
            building = name + "_building"
            conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{building}"')
        url = urlunsplit(urlsplit(self.base_url)._replace(path="/" + building))
        run_django(["manage.py", "migrate", "--noinput", "-v", "0"], url)
        with self._admin() as conn:
            # A template must have no connections; migrate has exited, so none remain.
            conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        return name

    def recreate(self):
        template = self._template()
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')

    def backend_pids(self) -> list[int]:
        if self._monitor is None or self._monitor.closed:
            self._monitor = self.psycopg.connect(self.url, autocommit=True)
        rows = self._monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return [row[0] for row in rows]

    def close(self):
        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None


def django_env(db_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE=SETTINGS_MODULE, DATABASE_URL=db_url, PYTHONUNBUFFERED="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_django(args: list[str], db_url: str, timeout: float = 1800, env: dict | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=django_env(db_url, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return proc.stdout


def django_step(db: Database, scenario: str, func: str, *, env: dict | None = None, **params) -> dict:
    """Run ``bench.scenarios.<scenario>.<func>(**params)`` in a child process with Django
    set up against the scenario's database (and ``env`` added to its environment); it
    returns a JSON-ready dict."""
    out = run_django(["-m", "bench.djstep", scenario, func, json.dumps(params)], db.url, env=env)
    for line in reversed(out.splitlines()):
        if line.startswith(DJSTEP_MARKER):
            return json.loads(line[len(DJSTEP_MARKER) :])
    raise BenchError(f"{scenario}.{func} printed no result")


DJSTEP_MARKER = "@@bench-result "


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the project on a free loopback port. Use as a context manager: it
    is stopped (TERM, then KILL of its whole process group) however the block ends."""

    def __init__(self, db: Database, scenario: str, env: dict | None = None):
        self.db = db
        self.env = dict(env or {})
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        RESULTS_DIR.mkdir(exist_ok=True)
        self.log_path = RESULTS_DIR / f"{scenario}.gunicorn.log"
        self.query_log = RESULTS_DIR / f"{scenario}.queries.jsonl"

    def __enter__(self):
        self.query_log.unlink(missing_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "skypark.wsgi:application",
            "--bind",
            f"{LOOPBACK}:{self.port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            # Longer than any pause between a client's requests, so keep-alive holds.
            "--keep-alive",
            "30",
            "--timeout",
            "120",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
        ]
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=django_env(self.db.url, BENCH_QUERY_LOG=self.query_log, **self.env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_healthy(self, seconds: float = 90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}")
            try:
                status, _body, _headers = request_once(self.port, "GET", "/healthz", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise BenchError(f"/healthz did not answer 200 within {seconds:.0f}s; see {self.log_path}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()
        return False


# --------------------------------------------------------------------------- clients


@dataclass
class Req:
    method: str
    path: str
    body: bytes | None = None
    headers: dict = field(default_factory=dict)


def request_once(port: int, method: str, path: str, body=None, headers=None, timeout: float = 30):
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.headers
    finally:
        conn.close()


def run_load(
    port,
    clients: int,
    make_request,
    *,
    requests: int,
    seconds: float,
    warmup: Req | None = None,
    on_response=None,
    meter: CpuMeter | None = None,
    label: str = "",
    rate: float | None = None,
) -> LoadResult:
    """Drive ``clients`` threads, each with one keep-alive connection, until ``requests``
    have been sent or ``seconds`` have passed.

    Closed loop by default: each client sends its next request as soon as the previous
    answer arrives, so the step measures capacity, and latency is mostly queueing once
    the server is saturated (Little's law: mean latency = clients / throughput). With
    ``rate`` (requests per second over all clients) the step is open loop: request ``i``
    is due ``i / rate`` seconds after the start, the next free client sends it then, and
    its latency is counted from when it was due, not from when it was sent, so a server
    that falls behind is charged for the wait (no coordinated omission). ``port`` is one port or a list of them
    (several instances): client ``n`` talks to ``port[n % len(port)]``. ``make_request(client, i)`` returns the
    ``Req`` for the i-th request overall; ``on_response(i, status, body)`` may inspect it.
    Each client sends ``warmup`` once before the clock starts (not recorded)."""
    lock = threading.Lock()
    issued = 0
    samples: list[Sample] = []
    start_gate = threading.Barrier(clients + 1)
    deadline = [0.0]
    origin = [0.0]

    ports = list(port) if isinstance(port, (list, tuple)) else [port]

    def connect(index):
        return http.client.HTTPConnection(LOOPBACK, ports[index % len(ports)], timeout=60)

    def send(conn, req):
        conn.request(req.method, req.path, body=req.body, headers=req.headers)
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.headers

    def client(index):
        nonlocal issued
        conn = connect(index)
        try:
            if warmup is not None:
                try:
                    send(conn, warmup)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = connect(index)
        finally:
            start_gate.wait()
        mine = []
        while True:
            with lock:
                if issued >= requests or time.monotonic() > deadline[0]:
                    break
                i = issued
                issued += 1
            req = make_request(index, i)
            if rate:
                started = origin[0] + i / rate
                wait = started - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            else:
                started = time.perf_counter()
            try:
                status, body, headers = send(conn, req)
            except (OSError, http.client.HTTPException):
                # The request is not retried: it may have reached the server, and a
                # blind retry of a purchase is exactly what the counters must catch.
                mine.append(Sample((time.perf_counter() - started) * 1000, 0, None))
                conn.close()
                conn = connect(index)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            count = headers.get("X-Query-Count")
            mine.append(Sample(elapsed, status, int(count) if count is not None else None))
            if on_response is not None:
                # Serialised, so scenario callbacks can count without their own locks.
                with lock:
                    on_response(i, status, body)
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    if meter is not None:
        meter.start()
    deadline[0] = time.monotonic() + seconds
    began = origin[0] = time.perf_counter()
    start_gate.wait()
    for thread in threads:
        thread.join(seconds + 120)
    took = time.perf_counter() - began
    cpu = meter.stop() if meter is not None else None
    return LoadResult(clients=clients, samples=samples, seconds=took, cpu_ms=cpu, label=label, rate=rate)


# Share of a step's closed-loop throughput offered in the open-loop step that follows it.
PACED_SHARE = 0.5


def paced_rate(closed_row: dict, share: float = PACED_SHARE) -> float:
    """The open-loop rate for latency at a normal load: ``share`` of the throughput the
    same endpoint reached closed loop (saturated) in the same run."""
    return max(1.0, round((closed_row.get("req_s") or 0) * share, 1))


def run_paced(ctx, server, closed_row: dict, make_request, *, label: str, seconds, limit=None, **load) -> dict:
    """The open-loop step that follows a closed-loop one: 32-client latency at half the
    throughput ``closed_row`` reached, for ``seconds`` of requests (at most ``limit``).
    Emits and returns its row."""
    rate = paced_rate(closed_row)
    requests = int(rate * seconds)
    result = run_load(
        server.port,
        closed_row["concurrency"],
        make_request,
        requests=requests if limit is None else min(limit, requests),
        seconds=ctx.size(20, 10),
        meter=CpuMeter(server, ctx.db),
        label=label,
        rate=rate,
        **load,
    )
    row = {"type": "run", **result.row()}
    ctx.emit(row)
    return row


def latency_at_rate(row: dict, limit_ms: float) -> dict:
    """The open-loop step's figures next to a p99 target, for the summary."""
    return {
        "offered_req_s": row.get("offered_req_s"),
        "req_s": row.get("req_s"),
        "p50_ms": row.get("p50_ms"),
        "p99_ms": row.get("p99_ms"),
        f"p99_ms<={limit_ms:g}": (row.get("p99_ms") or 1e9) <= limit_ms,
        "errors": row.get("errors", {}),
    }


def trace_request(server: Server, req: Req) -> dict:
    """Sends ``req`` once with ``X-Bench-Trace`` and returns its status, the start of its
    body and the SQL of each of its queries in order (recorded by the bench middleware)."""
    status, body, _headers = request_once(
        server.port, req.method, req.path, body=req.body, headers={**req.headers, "X-Bench-Trace": "1"}
    )
    lines = server.query_log.read_text().splitlines() if server.query_log.exists() else []
    queries = json.loads(lines[-1])["queries"] if lines else []
    return {
        "status": status,
        "body": body.decode("utf-8", "replace")[:300],
        "queries": len(queries),
        "sql": [{"ms": q["ms"], "sql": q["sql"][:200]} for q in queries],
    }


def admin_session(port: int, username: str, password: str) -> str:
    """Log in through the admin login form like a browser and return the Cookie header
    (session + CSRF) for later requests."""
    import re

    status, body, headers = request_once(port, "GET", "/admin/login/")
    if status != 200:
        raise BenchError(f"GET /admin/login/ answered {status}")
    cookies = _cookies(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not match or "csrftoken" not in cookies:
        raise BenchError("no CSRF token on the admin login page")
    from urllib.parse import urlencode

    form = urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password, "next": "/admin/"}
    ).encode()
    status, _body, headers = request_once(
        port,
        "POST",
        "/admin/login/?next=/admin/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"http://{LOOPBACK}:{port}/admin/login/",
        },
    )
    cookies.update(_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise BenchError(f"admin log-in failed (status {status})")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _cookies(headers) -> dict:
    jar = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


# --------------------------------------------------------------------------- output


def write_result(scenario: str, lines: list[dict]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{scenario}.json"
    path.write_text(json.dumps({"lines": lines, "summary": lines[-1]}, indent=2, default=str))
    return path


def draw_chart(summary: dict, path: Path) -> Path | None:
    """Throughput and p99 against concurrency, side by side, drawn with Pillow."""
    from PIL import Image, ImageDraw

    # Closed-loop steps only: an open-loop step's throughput is the rate it was offered.
    runs = [r for r in summary.get("runs", []) if r.get("req_s") is not None and not r.get("offered_req_s")]
    if not runs:
        return None
    width, height, pad = 900, 380, 50
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((pad, 10), f"{summary['scenario']} - {summary['date']}", fill="black")
    panels = [("req/s", "req_s", (40, 90, 200)), ("p99 ms", "p99_ms", (200, 60, 40))]
    panel_w = (width - 3 * pad) // 2
    for n, (title, key, colour) in enumerate(panels):
        x0 = pad + n * (panel_w + pad)
        y0, y1 = 40, height - pad
        draw.rectangle([x0, y0, x0 + panel_w, y1], outline="grey")
        draw.text((x0 + 5, y0 + 5), title, fill=colour)
        points = [(r["concurrency"], r[key]) for r in runs if r.get(key) is not None]
        if not points:
            continue
        top = max(v for _c, v in points) * 1.15 or 1
        xs = sorted({c for c, _v in points})
        step = panel_w / (len(xs) + 1)
        coords = []
        for c, v in points:
            x = x0 + step * (xs.index(c) + 1)
            y = y1 - (y1 - y0) * v / top
            coords.append((x, y))
            draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=colour)
            draw.text((x + 6, y - 14), f"{v:g}", fill="black")
            draw.text((x - 6, y1 + 6), str(c), fill="black")
        if len(coords) > 1:
            draw.line(coords, fill=colour, width=2)
        draw.text((x0 + panel_w // 2 - 30, y1 + 24), "concurrency", fill="grey")
    image.save(path)
    return path


# --------------------------------------------------------------------------- running


@dataclass
class Context:
    """What a scenario's ``run`` gets: its database, its size, and where to print."""

    scenario: str
    db: Database
    quick: bool
    lines: list = field(default_factory=list)

    def emit(self, obj: dict) -> None:
        obj = {"scenario": self.scenario, **obj} if "scenario" not in obj else obj
        self.lines.append(obj)
        emit(obj)

    def step(self, func: str, **params) -> dict:
        return django_step(self.db, self.scenario, func, **params)

    def size(self, full, quick):
        return quick if self.quick else full


def run_scenarios(names: list[str], *, quick: bool, chart: bool) -> int:
    import importlib

    from bench.scenarios import module_name

    summaries = []
    for name in names:
        module = importlib.import_module(module_name(name))
        db = Database(name)
        ctx = Context(scenario=name, db=db, quick=quick)
        started = time.monotonic()
        try:
            ctx.emit({"type": "start", "quick": quick, "database": db.name})
            db.recreate()
            summary = module.run(ctx)
        except Exception as exc:
            # One broken scenario (often a domain mid-change) must not hide the others'
            # figures; it is reported and fails the run through ``harness_error``.
            ctx.emit({"type": "error", "error": type(exc).__name__, "message": str(exc)})
            summary = build_summary(name, {}, counters={"harness_error": 1}, runs=[])
        finally:
            db.close()
        summary["quick"] = quick
        summary["wall_seconds"] = round(time.monotonic() - started, 1)
        ctx.emit(summary)
        path = write_result(name, ctx.lines)
        if chart:
            draw_chart(summary, path.with_suffix(".png"))
        summaries.append(summary)
    return exit_code(summaries)
