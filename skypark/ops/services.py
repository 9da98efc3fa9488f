from skypark.core.schedules import crontab_tasks_install

SCHEDULES = [
    # name, task, hour, minute
    ("ops: back up the database", "skypark.ops.tasks.ops_backup", 3, 0),
    ("ops: archive old history", "skypark.ops.tasks.ops_archive", 4, 30),
]


def schedules_install() -> list:
    """Registers the operational periodic tasks with django-celery-beat (staff see and
    change them in the admin). Safe to call any number of times."""
    return crontab_tasks_install(SCHEDULES)
