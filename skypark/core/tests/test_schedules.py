"""Every app's periodic tasks are scheduled by ``migrate`` on an empty database, and
``manage.py check`` warns about a scheduled task that has lost its schedule."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from skypark.core import schedules

pytestmark = pytest.mark.django_db


def test_migrate_on_an_empty_database_installs_every_apps_schedules():
    # The test database was built by ``migrate``: the schedules are already there.
    wanted = schedules._wanted_tasks()
    apps_with_jobs = {"events", "bookings", "parks", "loyalty", "notify", "commerce", "analytics", "ops", "eventlog"}
    assert apps_with_jobs <= set(wanted.values())
    present = set(PeriodicTask.objects.values_list("task", flat=True))
    assert set(wanted) <= present
    assert "bookings.tasks.bookings_waitlist_offers_expire" in present
    assert "skypark.analytics.tasks.sync_transactions_to_clickhouse" in present
    # Again (any later migrate) changes nothing.
    count = PeriodicTask.objects.count()
    call_command("migrate", verbosity=0)
    assert PeriodicTask.objects.count() == count


def test_check_warns_about_a_task_without_a_schedule():
    assert [w for w in schedules.periodic_tasks_scheduled() if w.id.startswith("core.W02")] == []
    PeriodicTask.objects.filter(task="events.tasks.events_offers_expire").delete()
    warnings = schedules.periodic_tasks_scheduled()
    assert [w.id for w in warnings] == ["core.W020"]
    assert "events.tasks.events_offers_expire" in warnings[0].msg
    assert not PeriodicTask.objects.filter(task="events.tasks.events_offers_expire").exists()
