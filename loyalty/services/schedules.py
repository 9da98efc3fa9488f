"""The loyalty jobs in django-celery-beat, where staff can see and change them."""

from django.conf import settings
from django.db import transaction

SCHEDULES = [
    # name, task, hour, minute
    ("loyalty: expire points", "loyalty.tasks.loyalty_points_expire", "1", "5"),
    ("loyalty: birthday bonuses", "loyalty.tasks.loyalty_birthday_bonuses", "8", "0"),
    ("loyalty: recalculate tiers", "loyalty.tasks.loyalty_tiers_recalculate", "2", "30"),
    ("loyalty: daily aggregates", "loyalty.tasks.loyalty_daily_aggregates", "*", "*/15"),
]


@transaction.atomic
def schedules_install() -> list:
    """Registers the periodic loyalty tasks. Safe to call any number of times."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    tasks = []
    for name, task, hour, minute in SCHEDULES:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
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
