from celery import shared_task

from . import services


@shared_task(acks_late=True)
def eventlog_partitions_ensure(months_ahead: int = 3) -> list:
    return services.partitions_ensure(months_ahead=months_ahead)
