"""Celery entry points of the loyalty domain. Each only calls a service; each service is
safe to run twice or to be killed mid-way."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(acks_late=True, ignore_result=True)
def loyalty_points_expire():
    return services.points_expire()


@shared_task(acks_late=True, ignore_result=True)
def loyalty_birthday_bonuses():
    return services.birthday_bonuses_award()


@shared_task(acks_late=True, ignore_result=True)
def loyalty_tiers_recalculate():
    return services.tiers_recalculate_all()


@shared_task(acks_late=True, ignore_result=True)
def loyalty_daily_aggregates():
    """Today and yesterday (late transactions and imports land on yesterday too)."""
    today = timezone.localdate()
    return [services.daily_aggregates_build(day=day) for day in (today - datetime.timedelta(days=1), today)]


@shared_task(acks_late=True, ignore_result=True)
def loyalty_import_run(batch_id):
    return services.import_batch_run(batch_id=batch_id).pk
