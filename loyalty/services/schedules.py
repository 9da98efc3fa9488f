"""The loyalty jobs in django-celery-beat, where staff can see and change them."""

from skypark.core.schedules import crontab_tasks_install

SCHEDULES = [
    # name, task, hour, minute
    ("loyalty: expire points", "loyalty.tasks.loyalty_points_expire", "1", "5"),
    ("loyalty: birthday bonuses", "loyalty.tasks.loyalty_birthday_bonuses", "8", "0"),
    ("loyalty: recalculate tiers", "loyalty.tasks.loyalty_tiers_recalculate", "2", "30"),
    ("loyalty: daily aggregates", "loyalty.tasks.loyalty_daily_aggregates", "*", "*/15"),
]


def schedules_install() -> list:
    """Registers the periodic loyalty tasks. Safe to call any number of times."""
    return crontab_tasks_install(SCHEDULES)
