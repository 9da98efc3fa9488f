"""The analytics jobs in django-celery-beat, where staff can see and change them."""

from skypark.core.schedules import crontab_tasks_install

SCHEDULES = [
    # name, task, hour, minute
    ("analytics: sync facts", "skypark.analytics.tasks.sync_transactions_to_clickhouse", "*", "*/5"),
    ("analytics: RFM snapshots", "skypark.analytics.tasks.calculate_rfm_snapshots", "2", "0"),
    ("analytics: win-win matrix", "skypark.analytics.tasks.aggregate_cross_promo_conversions", "*", "7"),
]


def schedules_install() -> list:
    """Registers the periodic analytics tasks. Safe to call any number of times."""
    return crontab_tasks_install(SCHEDULES)
