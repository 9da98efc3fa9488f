"""``redeem``: 50 redemptions of 10 points released together against one customer's
balance of 250, through ``POST /api/v1/partner/points/redeem/`` (each its own
connection and reference), repeated over several customers.

250 points pay for exactly 25 redemptions, so each round must end with 25 answers 200,
25 answers 400 ``not_enough_points`` and a balance of 0. ``overdraw`` counts points
spent past the balance (a negative balance, or more 200s than the points allow),
``unspent`` points left although refused redemptions asked for them, ``unexpected``
any other answer, ``ledger_mismatch`` a balance that is not the sum of its ledger and
lots (``manage.py loyalty_verify``, the loyalty app's own verification).
"""

from bench.harness import Req, Server, build_summary, run_load
from bench.scenarios import loyaltykit, parkkit

REDEMPTIONS = 50
POINTS = 10
BALANCE = 250


def seed(customers: int, balance: int) -> dict:
    from loyalty.tests.factories import give_points

    park = parkkit.park_create(1000)
    users = list(parkkit.customers_insert(customers, "+99674"))
    for user in users:
        give_points(user, balance, reference=f"bench-{user.pk}")
    return {
        "merchant": loyaltykit.merchant_with_key(),
        "codes": [u.customer_code for u in users],
        "secrets": loyaltykit.card_secrets(users),
        "warmup": f"/api/v1/parks/{park['slug']}/",
    }


def check(codes: list[str]) -> dict:
    from loyalty.models import Account, LedgerEntry

    accounts = Account.objects.filter(customer__customer_code__in=codes, merchant__isnull=True)
    return {
        "balances": {a.customer.customer_code: a.balance for a in accounts.select_related("customer")},
        "redeemed_entries": LedgerEntry.objects.filter(account__in=accounts, kind="redeemed").count(),
    }


def redeem_request(key: str, code: str, secrets: dict, reference: str) -> Req:
    """A redemption as a till sends it after scanning the card: with the rotating code."""
    body = {"customer_code": loyaltykit.card_code(code, secrets), "points": POINTS, "reference": reference}
    return loyaltykit.partner_request("POST", "points/redeem/", key, body)


def run(ctx):
    rounds = ctx.size(5, 2)
    seeded = ctx.step("seed", customers=rounds, balance=BALANCE)
    key, codes, secrets = seeded["merchant"]["key"], seeded["codes"], seeded["secrets"]
    per_round, rows = [], []
    with Server(ctx.db, ctx.scenario) as server:
        for code in codes:
            answers = {}

            def on_response(_i, status, body, answers=answers):
                name = str(status)
                if status == 400 and b"not_enough_points" in body:
                    name = "400_not_enough_points"
                answers[name] = answers.get(name, 0) + 1

            result = run_load(
                server.port,
                REDEMPTIONS,
                lambda _c, i, code=code: redeem_request(key, code, secrets, f"{code}-r{i}"),
                requests=REDEMPTIONS,
                seconds=60,
                warmup=Req("GET", seeded["warmup"]),
                on_response=on_response,
                label="redeem",
            )
            row = {"type": "run", **result.row(), "customer": code, "answers": answers}
            ctx.emit(row)
            rows.append(row)
            per_round.append(answers)
    db = ctx.step("check", codes=codes)
    verified = loyaltykit.verify(ctx.db)
    allowed = BALANCE // POINTS
    spent = [a.get("200", 0) for a in per_round]
    counters = {
        "overdraw": sum(max(0, -b) for b in db["balances"].values()) + sum(max(0, n - allowed) * POINTS for n in spent),
        "unspent": sum(db["balances"].values()),
        "unexpected": sum(n for a in per_round for name, n in a.items() if name not in ("200", "400_not_enough_points"))
        + sum(r["errors"].get("conn", 0) for r in rows),
        "balance_mismatch": sum(
            abs(db["balances"].get(code, BALANCE) - (BALANCE - POINTS * n))
            for code, n in zip(codes, spent, strict=True)
        ),
        "ledger_mismatch": verified["mismatched"] + abs(db["redeemed_entries"] - sum(spent)),
    }
    headline = {
        "type": "run",
        "label": "redeem",
        "concurrency": REDEMPTIONS,
        "requests": sum(r["requests"] for r in rows),
        "req_s": None,
        "p50_ms": rows[-1]["p50_ms"],
        "p95_ms": rows[-1]["p95_ms"],
        "p99_ms": rows[-1]["p99_ms"],
        "errors": {},
        "queries_per_request": rows[-1]["queries_per_request"],
        "cpu_ms_per_request": None,
    }
    return build_summary(
        ctx.scenario,
        headline,
        counters=counters,
        runs=rows,
        extra={
            "rounds": rounds,
            "balance": BALANCE,
            "points_each": POINTS,
            "answers_per_round": per_round,
            "database": db,
            "loyalty_verify": verified["report"],
        },
    )
