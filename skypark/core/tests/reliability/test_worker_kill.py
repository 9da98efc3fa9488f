"""A Celery worker killed mid-job loses no reminder and doubles none once restarted (save
a delivery the kill cut off mid-send, which is sent again: at least once, never lost).

Real parts: a ``celery -A skypark worker`` subprocess on Redis, the test's PostgreSQL
database, acks-late tasks. The day-before reminder job runs over a few hundred tickets;
the worker is killed (SIGKILL, the whole process group) while it is half-way, then a new
worker starts. Redis hands the unacknowledged job out again, the reminder service skips
tickets already reminded, notify's dedupe keys refuse second notifications, and a
delivery claimed by the dead worker is taken over once its lease has passed.
"""

import datetime
import time
import uuid
from decimal import Decimal

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from skypark.accounts.tests.factories import UserFactory
from skypark.notify.models import Notification
from skypark.parks.models import Ticket
from skypark.parks.tests.factories import ParkFactory

from .workers import (
    BROKER,
    _kill,
    _wait_for,
    _worker,
    assert_each_reached_once_but_cut_offs,
    require_redis,
    worker_env,
    workers_stop,
)

TICKETS = 300
# A queue of this run's own: the test neither reads nor deletes anyone else's messages,
# so it never flushes a database.
QUEUE = f"worker-kill-{uuid.uuid4().hex[:12]}"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a shared PostgreSQL database"),
]


def test_killed_worker_loses_no_reminder_and_doubles_none(tmp_path, monkeypatch):
    require_redis()
    park = ParkFactory()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    customers = [UserFactory(email=f"parent{i}@example.kg", language="en") for i in range(TICKETS)]
    Ticket.objects.bulk_create(
        Ticket(
            customer=c,
            park=park,
            visit_date=tomorrow,
            status=Ticket.Status.ACTIVE,
            price=Decimal("790"),
            children_data=[{"name": "Bek", "age": 5, "price": "790"}],
        )
        for c in customers
    )

    env = worker_env(tmp_path, QUEUE)
    reminded = Ticket.objects.filter(reminder_sent_at__isnull=False)
    log = open(tmp_path / "worker.log", "w")
    first = _worker(env, log)
    second = None
    try:
        # Celery lets CELERY_BROKER_URL in the environment win over the broker argument.
        monkeypatch.setenv("CELERY_BROKER_URL", BROKER)
        Celery(broker=BROKER).send_task("skypark.parks.tasks.parks_tickets_remind", queue=QUEUE)
        assert _wait_for(lambda: reminded.count() >= TICKETS // 5, 60), (tmp_path / "worker.log").read_text()
        _kill(first)
        at_kill = reminded.count()
        assert at_kill < TICKETS, "the job finished before the worker could be killed"

        second = _worker(env, log)
        # The periodic sweep, as beat would send it: a notification committed just before
        # the kill may have lost its delivery message, and the sweep queues it again.
        sweeps = []

        def done():
            if not sweeps or time.monotonic() - sweeps[-1] > 10:
                sweeps.append(time.monotonic())
                Celery(broker=BROKER).send_task(
                    "notify.notifications_requeue_stale", kwargs={"older_than_seconds": 5}, queue=QUEUE
                )
            return (
                reminded.count() == TICKETS
                and not Notification.objects.exclude(status=Notification.Status.SENT).exists()
                and Notification.objects.count() == 3 * TICKETS
            )

        finished = _wait_for(done, 150)
        assert finished, (
            reminded.count(),
            Notification.objects.count(),
            sorted(Notification.objects.order_by().values_list("status", flat=True).distinct()),
        )
    finally:
        workers_stop((first, second), log, QUEUE)

    # One notification per ticket and channel, and every address reached.
    assert Notification.objects.filter(kind="parks.visit_reminder").count() == 3 * TICKETS
    assert_each_reached_once_but_cut_offs(tmp_path, customers)
