from datetime import timedelta

from celery import shared_task

from . import outbox
from .jobs import job_run


@shared_task(acks_late=True)
def run_staff_job(job_id):
    job_run(job_id)


@shared_task(acks_late=True, ignore_result=True)
def outbox_process(message_id):
    """Carry out one outbox message after the transaction that wrote it committed. Safe
    to run twice or to be killed mid-way (see ``skypark.core.outbox``)."""
    return outbox.outbox_process(message_id=message_id)


@shared_task(acks_late=True, ignore_result=True)
def outbox_sweep(older_than_seconds=None):
    """Carry out outbox messages whose task was lost or whose handler failed (beat,
    every minute)."""
    kwargs = {} if older_than_seconds is None else {"older_than": timedelta(seconds=older_than_seconds)}
    return outbox.outbox_drain(**kwargs)
