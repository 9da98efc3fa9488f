"""``oversell``: 500 concurrent buyers (each their own customer and connection, started
together) for 100 places on one day. Sold must be exactly 100: ``oversold`` counts
places sold past capacity (by the database or by 201 answers), ``undersold`` places left
unsold although 400 more buyers asked, ``unexpected`` answers other than 201 / 409
sold-out, ``sold_mismatch`` a capacity row that disagrees with the ticket rows."""

from bench.harness import Req, Server, build_summary, run_load
from bench.scenarios import buy

BUYERS = 500
PLACES = 100


def seed(buyers: int, capacity: int) -> dict:
    return buy.seed(buyers, capacity)


def check(park_id: int, day: str) -> dict:
    return buy.check(park_id, day)


def run(ctx):
    seeded = ctx.step("seed", buyers=BUYERS, capacity=PLACES)
    slug, day, tokens = seeded["park"]["slug"], seeded["day"], seeded["tokens"]
    statuses = {}

    def on_response(_i, status, _body):
        statuses[status] = statuses.get(status, 0) + 1

    with Server(ctx.db, ctx.scenario) as server:
        result = run_load(
            server.port,
            BUYERS,
            lambda _c, i: buy.order_request(slug, day, tokens[i]),
            requests=BUYERS,
            seconds=120,
            warmup=Req("GET", seeded["target"]["path"]),
            on_response=on_response,
            label="oversell",
        )
    row = {"type": "run", **result.row()}
    ctx.emit(row)
    db = ctx.step("check", park_id=seeded["park"]["id"], day=day)
    created = statuses.get(201, 0)
    counters = {
        "oversold": max(0, db["sold"] - PLACES) + max(0, created - PLACES),
        "undersold": max(0, PLACES - db["sold"]),
        "unexpected": sum(n for status, n in statuses.items() if status not in (201, 409))
        + row["errors"].get("conn", 0),
        "sold_mismatch": abs(db["sold"] - created) + abs(db["tickets"] - created),
    }
    return build_summary(
        ctx.scenario,
        row,
        counters=counters,
        runs=[row],
        extra={"buyers": BUYERS, "places": PLACES, "sold": db["sold"], "answers": statuses, "database": db},
    )
