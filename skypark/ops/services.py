from django.conf import settings
from django.db import transaction

SCHEDULES = [
    # name, task, hour, minute
    ("ops: back up the database", "skypark.ops.tasks.ops_backup", 3, 0),
    ("ops: archive old history", "skypark.ops.tasks.ops_archive", 4, 30),
]


@transaction.atomic
def schedules_install() -> list:
    """Registers the operational periodic tasks with django-celery-beat (staff see and
    change them in the admin). Safe to call any number of times."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    tasks = []
    for name, task, hour, minute in SCHEDULES:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=str(minute),
            hour=str(hour),
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        periodic, _created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )
        tasks.append(periodic)
    return tasks
