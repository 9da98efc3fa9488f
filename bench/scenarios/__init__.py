"""The scenario registry.

``REGISTRY`` maps a scenario name to its module; each module has a ``run(ctx)`` that
returns its summary (see ``bench.harness.build_summary``) and keeps every Django import
inside the functions that ``bench.djstep`` runs. ``PENDING`` lists the scenarios of the
benchmarks issue whose endpoints or services do not exist yet, with what they wait for.
"""

REGISTRY = {
    "floor": "bench.scenarios.floor",
    "admin": "bench.scenarios.admin",
}

PENDING = {
    "buy": "parks purchase service and API (skypark/parks/services.py, skypark/parks/api)",
    "oversell": "parks purchase service and API: 500 concurrent buyers for 100 places",
    "gate": "parks gate-scan service and API: 10,000 distinct codes at 8/32 clients",
    "double-admit": "parks gate-scan service and API: one code from 16 concurrent gates",
    "pos": "loyalty partner transactions API and batch import",
    "redeem": "loyalty redemption API",
    "expiry": "parks ticket-expiry service (1,000,000 tickets, half qualifying)",
    "leaderboard": "events leaderboard API",
    "scale-out": "buy: two gunicorn instances and two Celery workers on one PostgreSQL and Redis",
}


def module_name(scenario: str) -> str:
    try:
        return REGISTRY[scenario]
    except KeyError:
        raise KeyError(f"unknown scenario {scenario!r}; known: {', '.join(REGISTRY)}") from None
