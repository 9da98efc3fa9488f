"""Celery beat schedules for every app, installed on ``migrate``.

Each app that runs periodic tasks has ``schedules_install()`` in its services (it
registers its tasks with django-celery-beat, idempotently, keeping what staff changed).
``schedules_install_all`` runs them all after every ``migrate`` (``post_migrate``), so a
production deploy gets its reminders and sweeps without the demo seed. The system check
``core.W020`` warns, in ``manage.py check``, about every task an app schedules that has
no schedule in the database (``migrate`` not run since, or a row deleted in the admin)
and about a scheduled task name that no Celery task answers to.
"""

import importlib
import logging

from django.apps import apps
from django.core import checks
from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

PROJECT_PREFIXES = ("skypark.", "events", "bookings", "loyalty")
SERVICE_MODULES = ("services", "services.schedules", "services.sweeps", "schedules")


@transaction.atomic
def crontab_tasks_install(schedules) -> list:
    """Registers ``(name, task, hour, minute)`` tasks with django-celery-beat on crontab
    schedules in the site's time zone; a task already there keeps what staff changed.
    Safe to call any number of times. Returns the periodic tasks."""
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    tasks = []
    for name, task, hour, minute in schedules:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=str(minute),
            hour=str(hour),
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        periodic, _created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )
        tasks.append(periodic)
    return tasks


def installers() -> list:
    """``(app label, schedules_install)`` of every project app that has one."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith(PROJECT_PREFIXES):
            continue
        for module_name in SERVICE_MODULES:
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            install = getattr(module, "schedules_install", None)
            if callable(install):
                found.append((config.label, install))
                break
    return found


def _beat_ready() -> bool:
    from django_celery_beat.models import PeriodicTask

    return PeriodicTask._meta.db_table in connection.introspection.table_names()


def schedules_install_all(**kwargs) -> int:
    """Installs every app's schedules (a ``post_migrate`` receiver; safe any number of
    times). Returns the number of apps whose schedules were installed."""
    using = kwargs.get("using")
    if using not in (None, connection.alias) or not _beat_ready():
        return 0
    done = 0
    for _label, install in installers():
        with transaction.atomic():
            install()
        done += 1
    logger.info("Installed the periodic task schedules of %s apps", done)
    return done


def _wanted_tasks() -> dict:
    """Task name → app label of every task the apps schedule: each installer is run in
    a savepoint that is rolled back, so the check writes nothing."""
    wanted = {}

    class Rollback(Exception):
        pass

    for label, install in installers():
        try:
            with transaction.atomic():
                installed = install()
                rows = installed if isinstance(installed, list | tuple) else [installed]
                for row in rows:
                    if getattr(row, "task", ""):
                        wanted[row.task] = label
                raise Rollback
        except Rollback:
            pass
    return wanted


@checks.register()
def periodic_tasks_scheduled(app_configs=None, **kwargs):
    """core.W020: a scheduled task without a schedule row; core.W021: a schedule for a
    task name Celery does not know."""
    try:
        if not _beat_ready():
            return []
        from django_celery_beat.models import PeriodicTask

        present = set(PeriodicTask.objects.values_list("task", flat=True))
        wanted = _wanted_tasks()
    except DatabaseError:
        return []
    from skypark.celery import app as celery_app

    for config in apps.get_app_configs():
        if config.name.startswith(PROJECT_PREFIXES):
            try:
                importlib.import_module(f"{config.name}.tasks")
            except ModuleNotFoundError:
                pass
    known = set(celery_app.tasks)
    warnings = []
    for task, label in sorted(wanted.items()):
        if task not in present:
            warnings.append(
                checks.Warning(
                    f"The periodic task {task} ({label}) has no schedule.",
                    hint="Run `manage.py migrate` (it installs every app's schedules) or add it under "
                    "Periodic tasks in the admin.",
                    id="core.W020",
                )
            )
        if task not in known:
            warnings.append(
                checks.Warning(
                    f"The periodic task {task} ({label}) is not a registered Celery task.",
                    hint="Check the task's name in the app's schedules.",
                    id="core.W021",
                )
            )
    return warnings


def schedules_install() -> list:
    """The core's own periodic tasks (the outbox sweep). Safe to call any number of times."""
    from .outbox import SCHEDULES

    return crontab_tasks_install(SCHEDULES)
