"""The connectors' beat job in django-celery-beat, where staff can see and change it."""

from skypark.core.schedules import crontab_tasks_install

SCHEDULES = [
    # name, task, hour, minute
    ("connectors: run due CRM connectors", "loyalty.connectors.tasks.connectors_run_due", "*", "*/5"),
]


def schedules_install() -> list:
    """Registers the periodic connector task. Safe to call any number of times."""
    return crontab_tasks_install(SCHEDULES)
