"""``double-admit``: one code scanned by 16 gates at the same instant (16 connections
released together), repeated over several tickets. Each ticket must be admitted exactly
once: ``double_admitted`` counts extra admissions (answers or visits in the database),
``not_admitted`` tickets none of the 16 gates let in, ``unexpected`` non-200 answers."""

from bench.harness import Req, Server, build_summary, run_load
from bench.scenarios import gate

GATES = 16


def seed(codes: int) -> dict:
    return gate.seed(codes)


def check(park_id: int) -> dict:
    return gate.check(park_id)


def run(ctx):
    rounds = ctx.size(40, 10)
    seeded = ctx.step("seed", codes=rounds)
    slug, codes, token = seeded["park"]["slug"], seeded["codes"], seeded["staff_token"]
    per_ticket, rows, unexpected = [], [], 0
    with Server(ctx.db, ctx.scenario) as server:
        for code in codes:
            admitted = [0]

            def on_response(_i, status, body, admitted=admitted):
                if status == 200 and gate.admitted_in(body):
                    admitted[0] += 1

            result = run_load(
                server.port,
                GATES,
                lambda c, _i, code=code: gate.scan_request(slug, code, token, f"gate-{c}"),
                requests=GATES,
                seconds=60,
                warmup=Req("GET", seeded["target"]["path"]),
                on_response=on_response,
                label="double-admit",
            )
            row = result.row()
            unexpected += sum(row["errors"].values())
            per_ticket.append(admitted[0])
            rows.append(row)
    db = ctx.step("check", park_id=seeded["park"]["id"])
    summary_row = {"type": "run", "label": "double-admit", "concurrency": GATES, "rounds": rounds}
    summary_row.update({k: rows[-1][k] for k in ("p50_ms", "p95_ms", "p99_ms")})
    summary_row.update(
        requests=sum(r["requests"] for r in rows),
        req_s=None,
        errors={k: sum(r["errors"].get(k, 0) for r in rows) for r in rows for k in r["errors"]},
        admitted_per_ticket=per_ticket,
    )
    ctx.emit(summary_row)
    counters = {
        "double_admitted": sum(max(0, n - 1) for n in per_ticket) + db["tickets_entered_twice"],
        "not_admitted": sum(1 for n in per_ticket if n == 0),
        "visits_mismatch": abs(db["visits"] - rounds),
        "unexpected": unexpected,
    }
    return build_summary(
        ctx.scenario,
        summary_row,
        counters=counters,
        runs=[],
        extra={"gates": GATES, "tickets": rounds, "admitted_per_ticket": per_ticket, "database": db},
    )
