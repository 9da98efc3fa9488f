"""Celery entry points of the events domain. Each loads by id and only calls a service;
each service is safe to run twice or to be killed mid-way."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def events_reminders_send():
    return services.reminders_send()


@shared_task(acks_late=True, ignore_result=True)
def events_offers_expire():
    return services.offers_expire()


@shared_task(acks_late=True, ignore_result=True)
def events_no_shows_mark():
    return services.no_shows_mark()


@shared_task(acks_late=True, ignore_result=True)
def events_streaks_compute():
    return services.streaks_compute()


@shared_task(acks_late=True, ignore_result=True)
def events_leaderboards_refresh():
    return services.leaderboards_refresh()


@shared_task(acks_late=True, ignore_result=True)
def events_leaderboard_scores_fold():
    return services.leaderboard_scores_fold()


@shared_task(acks_late=True, ignore_result=True)
def events_registrations_cancel(event_id, actor_id=None):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return services.event_registrations_cancel(event_id=event_id, actor=actor)


@shared_task(acks_late=True, ignore_result=True)
def events_member_badges_evaluate(customer_id):
    services.badges_evaluate(customer=customer_id)


@shared_task(acks_late=True, ignore_result=True, max_retries=5, default_retry_delay=30)
def events_activity_reward(customer_id, kind, reference, occurred_at, title=""):
    """A park visit or a completed course counted in the member's gamification (once per
    ``reference``), off the gate's or the instructor's request."""
    from django.utils.dateparse import parse_datetime

    return bool(
        services.activity_reward(
            customer_id=customer_id,
            kind=kind,
            reference=reference,
            occurred_at=parse_datetime(occurred_at) if isinstance(occurred_at, str) else occurred_at,
            title=title,
        )
    )
