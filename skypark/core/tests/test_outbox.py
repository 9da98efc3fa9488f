"""The outbox: effects recorded with the change, carried out once after the commit."""

import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from skypark.core import outbox
from skypark.core.models import OutboxMessage, StaffJob

pytestmark = pytest.mark.django_db

EFFECT = "tests.job_record"
FAILING = "tests.fails"


class Boom(Exception):
    pass


@pytest.fixture(autouse=True)
def effects():
    """Two effects for the tests: one that writes a row, one that writes and then fails
    (while ``failing["on"]`` says so)."""
    failing = {"on": True}

    def record(*, message, name):
        StaffJob.objects.create(kind=EFFECT, description=f"{name}:{message.pk}")

    def fails(*, message):
        StaffJob.objects.create(kind=FAILING, description=str(message.pk))
        if failing["on"]:
            raise Boom("handler refused")

    outbox.effect_register(EFFECT, record)
    outbox.effect_register(FAILING, fails)
    yield failing
    outbox._HANDLERS.pop(EFFECT, None)
    outbox._HANDLERS.pop(FAILING, None)


def _done(name):
    return StaffJob.objects.filter(kind=EFFECT, description__startswith=f"{name}:").count()


def test_an_effect_outside_a_gather_is_a_message_of_its_own_carried_out_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            outbox.outbox_add(EFFECT, name="a")
            message = OutboxMessage.objects.get()
            assert (message.kind, message.processed_at) == (EFFECT, None)
            assert _done("a") == 0
    message.refresh_from_db()
    assert message.processed_at is not None and message.attempts == 1
    assert message.payload == {"refs": {}, "effects": [[EFFECT, {"name": "a"}]]}
    assert _done("a") == 1


def test_a_gather_writes_one_message_for_all_its_effects(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), outbox.outbox_gather(kind="tests.paid", refs={"order": 7}):
            assert outbox.outbox_gathering()
            outbox.outbox_add(EFFECT, name="a")
            outbox.outbox_add(EFFECT, name="b")
    assert not outbox.outbox_gathering()
    message = OutboxMessage.objects.get()
    assert message.kind == "tests.paid" and message.payload["refs"] == {"order": 7}
    assert message.is_processed
    assert (_done("a"), _done("b")) == (1, 1)


def test_a_gather_that_adds_nothing_writes_nothing():
    with transaction.atomic(), outbox.outbox_gather(kind="tests.paid"):
        pass
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_change_leaves_no_message_and_no_effect(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic(), outbox.outbox_gather(kind="tests.paid"):
            outbox.outbox_add(EFFECT, name="a")
            raise Boom()
    assert callbacks == []
    assert not OutboxMessage.objects.exists() and _done("a") == 0


def test_a_broker_that_does_not_answer_leaves_the_message_to_the_sweep(django_capture_on_commit_callbacks):
    from skypark.core import tasks

    with mock.patch.object(tasks.outbox_process, "delay", side_effect=ConnectionError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                outbox.outbox_add(EFFECT, name="a")
    message = OutboxMessage.objects.get()
    assert message.processed_at is None and _done("a") == 0
    assert outbox.outbox_drain(now=timezone.now() + outbox.SWEEP_AFTER * 2) == 1
    assert _done("a") == 1


def test_an_unknown_effect_is_refused_when_recorded():
    with pytest.raises(LookupError):
        outbox.outbox_add("tests.nobody_handles_this")


def test_processing_twice_carries_the_effects_out_once():
    message = OutboxMessage.objects.create(kind=EFFECT, payload={"effects": [[EFFECT, {"name": "a"}]]})
    assert outbox.outbox_process(message_id=message.pk) is True
    assert outbox.outbox_process(message_id=message.pk) is False
    assert _done("a") == 1


def test_a_failing_effect_rolls_the_whole_message_back_and_is_retried_by_the_sweep(effects):
    message = OutboxMessage.objects.create(
        kind="tests.paid", payload={"effects": [[EFFECT, {"name": "a"}], [FAILING, {}]]}
    )
    assert outbox.outbox_process(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.processed_at, message.attempts) == (None, 1)
    assert "Boom: handler refused" in message.last_error
    assert _done("a") == 0 and not StaffJob.objects.filter(kind=FAILING).exists()

    later = timezone.now() + outbox.SWEEP_AFTER + datetime.timedelta(seconds=1)
    assert outbox.outbox_drain(now=later) == 0  # still failing: tried once per run
    effects["on"] = False
    assert outbox.outbox_drain(now=later) == 1
    message.refresh_from_db()
    assert message.is_processed and (message.attempts, message.last_error) == (3, "")
    assert _done("a") == 1 and StaffJob.objects.filter(kind=FAILING).count() == 1
    assert outbox.outbox_drain(now=later) == 0


def test_the_sweep_leaves_fresh_messages_to_their_task_and_gives_up_after_max_attempts():
    fresh = OutboxMessage.objects.create(kind=EFFECT, payload={"effects": [[EFFECT, {"name": "fresh"}]]})
    stuck = OutboxMessage.objects.create(
        kind=EFFECT, payload={"effects": [[EFFECT, {"name": "stuck"}]]}, attempts=outbox.MAX_ATTEMPTS
    )
    assert outbox.outbox_drain() == 0
    assert outbox.outbox_drain(now=timezone.now() + outbox.SWEEP_AFTER * 2) == 1
    fresh.refresh_from_db()
    stuck.refresh_from_db()
    assert fresh.is_processed and not stuck.is_processed
    assert (_done("fresh"), _done("stuck")) == (1, 0)


def test_the_sweep_is_scheduled_on_migrate():
    from django_celery_beat.models import PeriodicTask

    from skypark.core.schedules import schedules_install

    schedules_install()
    schedules_install()
    task = PeriodicTask.objects.get(name=outbox.SCHEDULES[0][0])
    assert task.task == "skypark.core.tasks.outbox_sweep" and task.enabled


def test_the_apps_register_their_effects():
    assert {"notify.confirmation", "webhooks.emit"} <= set(outbox.effects_registered())


def test_staff_see_stuck_messages_in_the_admin(admin_client_logged):
    OutboxMessage.objects.create(kind="commerce.order_paid", attempts=3, last_error="Boom: handler refused")
    page = admin_client_logged.get(reverse("admin:core_outboxmessage_changelist") + "?processed_at__isempty=1")
    assert page.status_code == 200
    assert "Boom: handler refused" in page.content.decode()
