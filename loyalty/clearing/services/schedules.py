"""The settlement job in django-celery-beat, where staff can see and change it."""

from skypark.core.schedules import crontab_tasks_install

SCHEDULES = [
    # name, task, hour, minute: shortly after local midnight, when a week or month ends.
    ("clearing: close settlement periods", "loyalty.clearing.tasks.clearing_periods_close", "0", "20"),
]


def schedules_install() -> list:
    """Registers the settlement job. Safe to call any number of times."""
    return crontab_tasks_install(SCHEDULES)
