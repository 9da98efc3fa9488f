"""The scenario registry.

``REGISTRY`` maps a scenario name to its module; each module has a ``run(ctx)`` that
returns its summary (see ``bench.harness.build_summary``) and keeps every Django import
inside the functions that ``bench.djstep`` runs. ``PENDING`` lists the scenarios of the
benchmarks issue whose endpoints or services do not exist yet, with what they wait for.
"""

REGISTRY = {
    "floor": "bench.scenarios.floor",
    "admin": "bench.scenarios.admin",
    "buy": "bench.scenarios.buy",
    "oversell": "bench.scenarios.oversell",
    "gate": "bench.scenarios.gate",
    "double-admit": "bench.scenarios.double_admit",
    "gate-sync": "bench.scenarios.gate_sync",
    "expiry": "bench.scenarios.expiry",
    "pos": "bench.scenarios.pos",
    "redeem": "bench.scenarios.redeem",
    "leaderboard": "bench.scenarios.leaderboard",
    "scale-out": "bench.scenarios.scale_out",
    "analytics": "bench.scenarios.analytics",
    "purchase": "bench.scenarios.purchase",
}

PENDING: dict[str, str] = {}


def module_name(scenario: str) -> str:
    try:
        return REGISTRY[scenario]
    except KeyError:
        raise KeyError(f"unknown scenario {scenario!r}; known: {', '.join(REGISTRY)}") from None
