"""Celery entry points of the CRM connectors. Each only calls a service; each service is
safe to run twice or to be killed mid-way (a killed run is taken over after its lease)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def connector_run_task(connector_id, trigger="schedule", actor_id=None):
    from skypark.accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return services.connector_run(connector_id=connector_id, trigger=trigger, actor=actor).pk


@shared_task(acks_late=True, ignore_result=True)
def connectors_run_due():
    """Queues a run of every connector whose next run is due (claimed, so a second beat
    at the same moment queues none of them again)."""
    ids = services.connectors_due()
    for pk in ids:
        connector_run_task.delay(pk)
    return len(ids)
