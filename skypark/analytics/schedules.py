"""The analytics jobs in django-celery-beat, where staff can see and change them."""

from django.conf import settings
from django.db import transaction

SCHEDULES = [
    # name, task, hour, minute
    ("analytics: sync facts", "skypark.analytics.tasks.sync_transactions_to_clickhouse", "*", "*/5"),
    ("analytics: RFM snapshots", "skypark.analytics.tasks.calculate_rfm_snapshots", "2", "0"),
    ("analytics: win-win matrix", "skypark.analytics.tasks.aggregate_cross_promo_conversions", "*", "7"),
]


@transaction.atomic
def schedules_install() -> list:
    """Registers the periodic analytics tasks. Safe to call any number of times."""
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
