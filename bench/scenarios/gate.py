"""``gate``: distinct valid QR codes scanned at the gate endpoint
(``POST /api/v1/parks/gate/admit/``, a gate device signed in as staff with only the gate
permission) at 8 and 32 clients; 5,000 codes in all (1,000 in ``--quick``), each scanned once.

Correctness: every scan of a fresh code is admitted (``not_admitted``), and the database
holds exactly one visit per admitted answer and no ticket entered twice
(``visits_mismatch``, ``double_admitted``).
"""

import json

from bench.harness import (
    CpuMeter,
    Req,
    Server,
    build_summary,
    latency_at_rate,
    pretix_recorded,
    run_load,
    run_paced,
    trace_request,
)
from bench.scenarios import floor, parkkit

CLIENTS = (8, 32)
TARGETS = {"vs_floor_req_s>=": 0.60, "p99_ms<=": 100, "cpu_ms_per_request<=": 8}
# The same operation in pretix, recorded: see harness.pretix_recorded.
PRETIX_CHECKIN = ("check-in redeem", (71.6, 73.6), 25)


def seed(codes: int) -> dict:
    park = parkkit.park_create(1_000_000)
    return {
        "park": park,
        "codes": parkkit.tickets_issue(park["id"], codes, parkkit.today()),
        "staff_token": parkkit.gate_staff_token(),
        "target": {"path": f"/api/v1/parks/{park['slug']}/", "label": f"GET /api/v1/parks/{park['slug']}/"},
    }


def check(park_id: int) -> dict:
    return parkkit.admitted(park_id)


def scan_request(slug: str, code: str, token: str, gate: str) -> Req:
    body = json.dumps({"park": slug, "code": code, "gate": gate}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}
    return Req("POST", "/api/v1/parks/gate/admit/", body=body, headers=headers)


def admitted_in(body: bytes) -> bool:
    try:
        return json.loads(body).get("admitted") is True
    except ValueError:
        return False


def run(ctx):
    total = ctx.size(5_000, 1_000)
    paced_codes = ctx.size(1_500, 300)
    seeded = ctx.step("seed", codes=total + paced_codes + 1)
    slug, codes, token = seeded["park"]["slug"], seeded["codes"], seeded["staff_token"]
    # One extra code for a traced scan, whose SQL goes into the output.
    traced_code, paced_batch, codes = codes[0], codes[1 : paced_codes + 1], codes[paced_codes + 1 :]
    # A third of the codes for the 8-client step, the rest at 32: no code is scanned twice.
    split = total // 3
    batches = {8: codes[:split], 32: codes[split:]}
    answers = {"admitted": 0, "refused": 0}

    def on_response(_i, status, body):
        answers["admitted" if status == 200 and admitted_in(body) else "refused"] += 1

    rows = []
    with Server(ctx.db, ctx.scenario) as server:
        floor_rows = floor.measure(ctx, server, seeded["target"], clients=(32,))
        traced = trace_request(server, scan_request(slug, traced_code, token, "gate-trace"))
        on_response(-1, traced["status"], traced["body"].encode())
        ctx.emit({"type": "trace", **traced})
        for n in CLIENTS:
            batch = batches[n]
            result = run_load(
                server.port,
                n,
                lambda c, i, batch=batch: scan_request(slug, batch[i], token, f"gate-{c}"),
                requests=len(batch),
                seconds=ctx.size(60, 20),
                warmup=Req("GET", seeded["target"]["path"]),
                on_response=on_response,
                meter=CpuMeter(server, ctx.db),
                label="gate",
            )
            row = {"type": "run", **result.row()}
            ctx.emit(row)
            rows.append(row)
        # Open loop at half the 32-client throughput: the latency a gate sees at a normal
        # load rather than at saturation.
        paced = run_paced(
            ctx,
            server,
            rows[-1],
            lambda c, i: scan_request(slug, paced_batch[i], token, f"gate-{c}"),
            label="gate paced",
            seconds=ctx.size(8, 3),
            limit=len(paced_batch),
            warmup=Req("GET", seeded["target"]["path"]),
            on_response=on_response,
        )
    db = ctx.step("check", park_id=seeded["park"]["id"])
    headline = rows[-1]
    ratios = floor.vs_floor(headline, floor_rows[-1])
    scanned = sum(r["requests"] for r in rows) + paced["requests"]
    counters = {
        "failed_requests": floor.failed(rows) + floor.failed(floor_rows) + floor.failed([paced]),
        "not_admitted": answers["refused"],
        "visits_mismatch": abs(db["visits"] - answers["admitted"]),
        "double_admitted": db["tickets_entered_twice"],
    }
    return build_summary(
        ctx.scenario,
        headline,
        counters=counters,
        runs=[*rows, paced],
        extra={
            "codes": total + paced_codes,
            "scanned": scanned,
            "answers": answers,
            "database": db,
            "floor": floor_rows[-1],
            "vs_floor": ratios,
            "targets": {
                "vs_floor_req_s>=0.60": (ratios["req_s"] or 0) >= TARGETS["vs_floor_req_s>="],
                "p99_ms<=100": (headline["p99_ms"] or 1e9) <= TARGETS["p99_ms<="],
                "cpu_ms_per_request<=8": (headline["cpu_ms_per_request"] or 1e9) <= TARGETS["cpu_ms_per_request<="],
            },
            "at_half_capacity": latency_at_rate(paced, TARGETS["p99_ms<="]),
            "vs_pretix": pretix_recorded(*PRETIX_CHECKIN, headline["cpu_ms_per_request"]),
        },
    )
