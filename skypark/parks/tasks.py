"""Celery entry points of the parks domain. Each only calls a service; each service is
safe to run twice or to be killed mid-way."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def parks_tickets_expire():
    return services.tickets_expire()


@shared_task(acks_late=True, ignore_result=True)
def parks_tickets_remind():
    return services.tickets_remind()


@shared_task(acks_late=True, ignore_result=True)
def parks_visits_close():
    return services.visits_close()


@shared_task(acks_late=True, ignore_result=True)
def parks_double_entries_notify(ids):
    from .gates.refold import double_entries_notify

    return double_entries_notify(ids=ids)
