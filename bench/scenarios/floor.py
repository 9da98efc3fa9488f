"""``floor``: the cheapest useful request, GET of one park's detail through the API (one
indexed read), at 1/8/32 clients. Every other scenario measures it again in its own run
and reports its figures as ratios to it, because absolute numbers on a shared machine
drift.

Until the parks API exists, the target is the public settings endpoint
``GET /api/v1/config/`` (answered from the cache, no query): a stand-in, labelled as such
in every line it prints.
"""

from bench.harness import CpuMeter, Req, Server, build_summary, ratio, run_load

CLIENTS = (1, 8, 32)
STAND_IN = {"path": "/api/v1/config/", "label": "stand-in: GET /api/v1/config/ (parks API not built yet)"}


def seed_target() -> dict:
    """Creates the park the floor reads and returns its API path, or the stand-in."""
    from django.urls import NoReverseMatch, reverse

    try:
        from skypark.parks.tests.factories import ParkFactory
    except ImportError:
        return STAND_IN
    park = ParkFactory()
    for kwarg in ("pk", "slug", "code"):
        value = getattr(park, kwarg, None)
        if value is None:
            continue
        try:
            path = reverse("api:park-detail", kwargs={kwarg: value})
        except NoReverseMatch:
            continue
        return {"path": path, "label": f"GET {path} (one park's detail)"}
    return STAND_IN


def measure(ctx, server, target: dict, clients=CLIENTS) -> list[dict]:
    """Load steps against the floor target on an already running server."""
    requests = ctx.size({1: 2000, 8: 6000, 32: 8000}, {1: 150, 8: 300, 32: 500})
    seconds = ctx.size(10, 4)
    req = Req("GET", target["path"], headers={"Accept": "application/json"})
    rows = []
    for n in clients:
        result = run_load(
            server.port,
            n,
            lambda _c, _i: req,
            requests=requests.get(n, max(requests.values())),
            seconds=seconds,
            warmup=req,
            meter=CpuMeter(server, ctx.db),
            label="floor",
        )
        row = {"type": "run", **result.row(), "target": target["label"]}
        ctx.emit(row)
        rows.append(row)
    return rows


def failed(rows) -> int:
    return sum(sum(row["errors"].values()) for row in rows)


def vs_floor(row: dict, floor_row: dict) -> dict:
    """A scenario's row as ratios to the floor row measured in the same run."""
    return {
        "req_s": ratio(row.get("req_s"), floor_row.get("req_s")),
        "p50_ms": ratio(row.get("p50_ms"), floor_row.get("p50_ms")),
        "p99_ms": ratio(row.get("p99_ms"), floor_row.get("p99_ms")),
        "cpu_ms_per_request": ratio(row.get("cpu_ms_per_request"), floor_row.get("cpu_ms_per_request")),
    }


def run(ctx):
    target = ctx.step("seed_target")
    with Server(ctx.db, ctx.scenario) as server:
        rows = measure(ctx, server, target)
    return build_summary(
        ctx.scenario,
        rows[-1],
        counters={"failed_requests": failed(rows)},
        runs=rows,
        extra={"target": target["label"], "stand_in": target["path"] == STAND_IN["path"]},
    )
