import datetime

import pytest
from django.utils import timezone

from events import services, tasks
from events.models import Event, Registration
from skypark.accounts.tests.factories import UserFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db


def test_schedules_install_is_idempotent_and_names_real_tasks():
    from celery import current_app
    from django_celery_beat.models import PeriodicTask

    first = services.schedules_install()
    second = services.schedules_install()
    assert [t.pk for t in first] == [t.pk for t in second]
    installed = PeriodicTask.objects.filter(name__startswith="events:")
    assert installed.count() == len(services.SCHEDULES)
    current_app.loader.import_default_modules()
    for periodic in installed:
        assert periodic.task in current_app.tasks, periodic.task


def test_tasks_only_call_the_services_and_can_run_twice():
    event = EventFactory(capacity=1, starts_at=timezone.now() + datetime.timedelta(hours=1))
    services.registration_create(customer=UserFactory(), event=event)
    for task in (
        tasks.events_reminders_send,
        tasks.events_offers_expire,
        tasks.events_no_shows_mark,
        tasks.events_streaks_compute,
        tasks.events_leaderboards_refresh,
        tasks.events_leaderboard_scores_fold,
    ):
        task.delay()
        task.delay()
    assert Event.objects.get(pk=event.pk).reminders_sent == [2, 24]


def test_registrations_cancel_task_finishes_a_cancelled_event():
    event = EventFactory()
    registration = services.registration_create(customer=UserFactory(), event=event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    tasks.events_registrations_cancel.delay(event.pk)
    tasks.events_registrations_cancel.delay(event.pk)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
