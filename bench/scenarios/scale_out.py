"""``scale-out``: the purchase of ``buy`` on two gunicorn instances (two ports) and two
Celery workers (``celery -A skypark worker`` on Redis, ``CELERY_BROKER_URL`` a database
of its own on 127.0.0.1:6379), all sharing one PostgreSQL.

1. 32 buyers against instance A alone, then 32 buyers spread over A and B (client n on
   instance n mod 2), on one day with ample places: throughput of one instance vs two,
   measured in the same run, CPU counted over both instances and both workers.
2. 500 buyers spread over both instances released together on 100 places: ``oversold``
   (sold past capacity, by the database or by 201 answers), ``undersold``,
   ``unexpected`` (anything but 201 / 409), ``sold_mismatch`` (capacity row vs tickets).

3. 20 parks jobs (ticket expiry, visit closing, as beat sends them) queued on Redis:
   ``tasks_not_consumed`` is how many of them the two workers had not logged as
   succeeded after 60 s.

Also counted: ``failed_requests`` in step 1 and ``worker_died``, a Celery worker that was
not running any more at the end.
"""

import os
import subprocess
import sys
import time

from bench.harness import (
    LOOPBACK,
    RESULTS_DIR,
    ROOT,
    BenchError,
    CpuMeter,
    Req,
    Server,
    build_summary,
    child_pids,
    django_env,
    django_step,
    ratio,
    run_load,
)
from bench.scenarios import buy, floor, parkkit

CLIENTS = 32
BUYERS = 500
PLACES = 100
WORKERS = 2
JOBS = 20
JOB_NAMES = ("skypark.parks.tasks.parks_tickets_expire", "skypark.parks.tasks.parks_visits_close")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "11"))


def broker_url() -> str:
    return f"redis://{LOOPBACK}:6379/{REDIS_DB}"


def seed(buyers: int) -> dict:
    seeded = buy.seed(buyers, 1_000_000)
    seeded["small_park"] = parkkit.park_create(PLACES)
    return seeded


def check(park_id: int, small_park_id: int, day: str) -> dict:
    return {"ample": buy.check(park_id, day), "small": buy.check(small_park_id, day)}


def tasks_send(count: int) -> dict:
    """Queues ``count`` of the parks jobs beat would send (expire tickets, close
    visits), alternating, on the scenario's broker."""
    from skypark.parks.tasks import parks_tickets_expire, parks_visits_close

    for n in range(count):
        (parks_tickets_expire if n % 2 else parks_visits_close).delay()
    return {"sent": count}


def tasks_succeeded(log: str, task: str) -> int:
    """Lines of a Celery worker log (INFO) reporting a run of ``task`` that succeeded."""
    return sum(1 for line in log.splitlines() if f"Task {task}[" in line and "succeeded in" in line)


def redis_flush() -> int:
    """Empties the scenario's own Redis database and returns how many keys it held."""
    import redis

    client = redis.Redis.from_url(broker_url())
    try:
        held = client.dbsize()
        client.flushdb()
        return held
    finally:
        client.close()


def queue_length() -> int:
    import redis

    client = redis.Redis.from_url(broker_url())
    try:
        return int(client.llen("celery"))
    finally:
        client.close()


class CeleryWorkers:
    """``count`` Celery worker processes (one child each) on the scenario's database and
    broker, stopped (TERM, then KILL of each process group) however the block ends."""

    def __init__(self, db, scenario: str, count: int, *, concurrency: int = 1, env: dict | None = None):
        self.db, self.count, self.concurrency, self.env = db, count, concurrency, dict(env or {})
        self.procs: list[subprocess.Popen] = []
        self.logs = []
        self.log_paths = [RESULTS_DIR / f"{scenario}.celery{n}.log" for n in range(count)]

    def __enter__(self):
        env = django_env(self.db.url, **{"CELERY_BROKER_URL": broker_url(), **self.env})
        try:
            for n, path in enumerate(self.log_paths):
                log = open(path, "w")  # noqa: SIM115 - closed in __exit__
                self.logs.append(log)
                self.procs.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "skypark",
                            "worker",
                            "--concurrency",
                            str(self.concurrency),
                            "--hostname",
                            f"bench{n}@%h",
                            "--loglevel",
                            "INFO",
                            "--without-gossip",
                            "--without-mingle",
                            "--without-heartbeat",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self, seconds: float = 60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for proc, path in zip(self.procs, self.log_paths, strict=True):
                if proc.poll() is not None:
                    raise BenchError(f"celery worker exited with {proc.returncode}; see {path}")
            if all(len(child_pids(p.pid)) >= 1 for p in self.procs):
                return
            time.sleep(0.3)
        raise BenchError(f"celery workers did not start their pool within {seconds:.0f}s")

    def succeeded(self, task: str) -> int:
        """Runs of ``task`` the workers logged as succeeded so far."""
        return sum(tasks_succeeded(path.read_text(errors="replace"), task) for path in self.log_paths)

    def alive(self) -> int:
        return sum(1 for p in self.procs if p.poll() is None)

    def __exit__(self, *exc):
        import signal

        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        for log in self.logs:
            log.close()
        return False


def run(ctx):
    seeded = ctx.step("seed", buyers=BUYERS)
    slug, day, tokens = seeded["park"]["slug"], seeded["day"], seeded["tokens"]
    small_slug = seeded["small_park"]["slug"]
    requests = ctx.size(1500, 150)
    created = {"ample": 0}
    small = {}
    redis_flush()
    env = {"CELERY_BROKER_URL": broker_url()}
    rows = []
    with (
        CeleryWorkers(ctx.db, ctx.scenario, WORKERS) as workers,
        Server(ctx.db, f"{ctx.scenario}-a", env=env) as server_a,
        Server(ctx.db, f"{ctx.scenario}-b", env=env) as server_b,
    ):
        warmup = Req("GET", seeded["target"]["path"])
        floor_rows = floor.measure(ctx, server_a, seeded["target"], clients=(CLIENTS,))

        def on_response(_i, status, _body):
            if status == 201:
                created["ample"] += 1

        for label, servers in (("one instance", [server_a]), ("two instances", [server_a, server_b])):
            result = run_load(
                [s.port for s in servers],
                CLIENTS,
                lambda c, _i: buy.order_request(slug, day, tokens[c]),
                requests=requests,
                seconds=ctx.size(60, 15),
                warmup=warmup,
                on_response=on_response,
                meter=CpuMeter(servers, ctx.db, others=workers.procs),
                label=label,
            )
            row = {"type": "run", **result.row(), "instances": len(servers)}
            ctx.emit(row)
            rows.append(row)

        def on_small(_i, status, _body):
            small[status] = small.get(status, 0) + 1

        result = run_load(
            [server_a.port, server_b.port],
            BUYERS,
            lambda _c, i: buy.order_request(small_slug, day, tokens[i]),
            requests=BUYERS,
            seconds=120,
            warmup=warmup,
            on_response=on_small,
            label="oversell over two instances",
        )
        oversell_row = {"type": "run", **result.row(), "instances": 2, "answers": small}
        ctx.emit(oversell_row)
        queued_by_purchases = queue_length()
        sent = django_step(ctx.db, ctx.scenario, "tasks_send", env=env, count=JOBS)["sent"]
        started = time.monotonic()
        while workers.succeeded(JOB_NAMES[0]) + workers.succeeded(JOB_NAMES[1]) < sent:
            if time.monotonic() > started + 60:
                break
            time.sleep(0.2)
        done = workers.succeeded(JOB_NAMES[0]) + workers.succeeded(JOB_NAMES[1])
        drained_seconds = round(time.monotonic() - started, 2)
        queue_left = queue_length()
        alive = workers.alive()
    redis_flush()
    db = ctx.step("check", park_id=seeded["park"]["id"], small_park_id=seeded["small_park"]["id"], day=day)
    one, two = rows
    sold_small = small.get(201, 0)
    counters = {
        "failed_requests": floor.failed(rows) + floor.failed(floor_rows),
        "oversold": max(0, db["small"]["sold"] - PLACES)
        + max(0, sold_small - PLACES)
        + max(0, db["ample"]["sold"] - (db["ample"]["capacity"] or 0)),
        "undersold": max(0, PLACES - db["small"]["sold"]),
        "unexpected": sum(n for status, n in small.items() if status not in (201, 409))
        + oversell_row["errors"].get("conn", 0),
        "sold_mismatch": abs(db["small"]["sold"] - sold_small)
        + abs(db["small"]["tickets"] - sold_small)
        + abs(db["ample"]["sold"] - created["ample"])
        + abs(db["ample"]["tickets"] - created["ample"]),
        "worker_died": WORKERS - alive,
        "tasks_not_consumed": max(0, sent - done),
    }
    return build_summary(
        ctx.scenario,
        two,
        counters=counters,
        runs=rows,
        extra={
            "instances": 2,
            "celery_workers": WORKERS,
            "broker": broker_url(),
            "one_instance": one,
            "two_over_one_req_s": ratio(two["req_s"], one["req_s"]),
            "oversell": {"buyers": BUYERS, "places": PLACES, "answers": small, "database": db["small"]},
            "celery": {
                "queued_by_purchases": queued_by_purchases,
                "jobs_sent": sent,
                "succeeded": done,
                "all_done_after_seconds": drained_seconds,
                "left_in_queue": queue_left,
            },
            "database": db,
            "floor": floor_rows[-1],
            "vs_floor": floor.vs_floor(two, floor_rows[-1]),
        },
    )
