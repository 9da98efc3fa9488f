"""Start-up check: the analytical store has every schema step the code declares."""

from django.core import checks


@checks.register("analytics")
def analytics_schema_check(app_configs=None, **kwargs):
    from .engines import get_engine
    from .schema import MIGRATIONS

    try:
        applied = get_engine().applied_migrations()
    except Exception as exc:  # an unreachable server is reported, not raised
        return [checks.Warning(f"analytical store unreachable: {exc}", id="analytics.W002")]
    missing = [number for number, _d, _t in MIGRATIONS if number not in applied]
    if missing and not applied and get_engine().name == "chdb":
        # A fresh embedded store: ``manage.py migrate`` creates it (post_migrate).
        return [
            checks.Info(
                "the embedded analytical store does not exist yet",
                hint="manage.py migrate (or analytics_migrate) creates it",
                id="analytics.I001",
            )
        ]
    if missing:
        return [
            checks.Warning(
                f"analytical store is missing schema steps {missing}",
                hint="Run: python manage.py analytics_migrate",
                id="analytics.W001",
            )
        ]
    return []
