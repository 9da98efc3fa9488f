from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def clearing_periods_close():
    """Closes every settlement period that has ended (safe to run twice)."""
    return len(services.periods_close_due())
