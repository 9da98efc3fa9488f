"""A Celery worker killed while it carries out the outbox leaves every effect done exactly
once once a new worker has finished (save a delivery the kill cut off mid-send, which is
sent again: at least once, never lost).

Real parts, as in ``test_worker_kill``: ``celery -A skypark worker`` subprocesses on Redis,
the test's PostgreSQL database, acks-late tasks. A few hundred "order paid" outbox
messages wait, each asking for one ticket's confirmation (e-mail with the ticket PDF, SMS,
in-app). The sweep carries them out one transaction each; the worker is killed (SIGKILL,
the whole process group) half-way, then a new worker starts. The message the kill
interrupted was rolled back with its connection and is carried out again from the start;
the ones committed before the kill are not touched again.
"""

import datetime
import time
import uuid
from decimal import Decimal

import pytest
from celery import Celery
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from skypark.accounts.tests.factories import UserFactory
from skypark.core.models import OutboxMessage
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

MESSAGES = 200
QUEUE = f"outbox-kill-{uuid.uuid4().hex[:12]}"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a shared PostgreSQL database"),
]


def _send(name, **kwargs):
    Celery(broker=BROKER).send_task(name, kwargs=kwargs, queue=QUEUE)


def test_killed_outbox_worker_carries_out_each_effect_once(tmp_path, monkeypatch):
    require_redis()
    park = ParkFactory()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    customers = [UserFactory(email=f"buyer{i}@example.kg", language="en") for i in range(MESSAGES)]
    tickets = Ticket.objects.bulk_create(
        Ticket(
            customer=c,
            park=park,
            visit_date=tomorrow,
            status=Ticket.Status.ACTIVE,
            qr_code=f"outbox-kill-{i}",
            price=Decimal("790"),
            children_data=[{"name": "Bek", "age": 5, "price": "790"}],
        )
        for i, c in enumerate(customers)
    )
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            kind="commerce.order_paid",
            payload={"refs": {}, "effects": [["notify.confirmation", {"label": "parks.ticket", "pk": t.pk}]]},
        )
        for t in tickets
    )

    env = worker_env(tmp_path, QUEUE)
    processed = OutboxMessage.objects.filter(processed_at__isnull=False)
    log = open(tmp_path / "worker.log", "w")
    first = _worker(env, log)
    second = None
    try:
        monkeypatch.setenv("CELERY_BROKER_URL", BROKER)
        _send("skypark.core.tasks.outbox_sweep", older_than_seconds=0)
        assert _wait_for(lambda: processed.count() >= MESSAGES // 5, 90), (tmp_path / "worker.log").read_text()
        _kill(first)
        at_kill = processed.count()
        assert at_kill < MESSAGES, "the sweep finished before the worker could be killed"

        second = _worker(env, log)
        # Beat's sweeps: the outbox's and the stale notifications' (a delivery message
        # lost between a commit and its publish).
        sweeps = []

        def done():
            if not sweeps or time.monotonic() - sweeps[-1] > 10:
                sweeps.append(time.monotonic())
                _send("skypark.core.tasks.outbox_sweep", older_than_seconds=0)
                _send("notify.notifications_requeue_stale", older_than_seconds=5)
            return (
                processed.count() == MESSAGES
                and Notification.objects.count() == 3 * MESSAGES
                and not Notification.objects.exclude(status=Notification.Status.SENT).exists()
            )

        finished = _wait_for(done, 180)
        assert finished, (
            processed.count(),
            Notification.objects.count(),
            sorted(Notification.objects.order_by().values_list("status", flat=True).distinct()),
        )
    finally:
        workers_stop((first, second), log, QUEUE)

    # Each effect once: one notification per ticket and channel, every message processed.
    per_ticket = Notification.objects.values("object_id", "channel").annotate(n=Count("id"))
    assert len(per_ticket) == 3 * MESSAGES and {row["n"] for row in per_ticket} == {1}
    assert set(Notification.objects.values_list("object_id", flat=True)) == {str(t.pk) for t in tickets}
    assert not OutboxMessage.objects.filter(processed_at__isnull=True).exists()
    # Every address reached; at most the deliveries the kill cut off mid-send twice.
    assert_each_reached_once_but_cut_offs(tmp_path, customers)
