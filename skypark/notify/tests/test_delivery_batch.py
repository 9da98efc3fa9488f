"""The copies of one message (e-mail, SMS, in-app) go out in one task: one claim and one
record of what was sent; a copy that fails for now continues with the single task's
retries."""

import pytest
from django.core import mail
from django.test import TestCase

from skypark.accounts.tests.factories import UserFactory
from skypark.notify import sms
from skypark.notify.delivery import notifications_deliver
from skypark.notify.models import Notification
from skypark.notify.services import notification_send
from skypark.notify.tasks import deliver_notification

from .test_services import FlakySmsBackend

pytestmark = pytest.mark.django_db

Status = Notification.Status
CHANNELS = ("email", "sms", "in_app")


@pytest.fixture(autouse=True)
def eager_retries(settings):
    settings.CELERY_TASK_EAGER_PROPAGATES = False


@pytest.fixture
def sms_outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _send(user):
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        rows = notification_send(recipient=user, kind="account.welcome", context={}, channels=CHANNELS)
    return rows, callbacks


def test_the_three_copies_are_delivered_by_one_task(sms_outbox):
    user = UserFactory(email="a@example.kg")
    rows, callbacks = _send(user)
    assert len(rows) == 3 and len(callbacks) == 1
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_error) == (Status.SENT, 1, "")
        assert row.sent_at is not None
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1


def test_one_claim_and_one_update_for_every_copy(django_assert_num_queries, sms_outbox):
    user = UserFactory(email="a@example.kg")
    rows = notification_send(recipient=user, kind="account.welcome", context={}, channels=CHANNELS)
    # The claim's SELECT … FOR UPDATE and UPDATE (in a savepoint, inside the test's
    # transaction), then one UPDATE for the three sent.
    with django_assert_num_queries(5):
        sent, to_retry = notifications_deliver([row.pk for row in rows])
    assert len(sent) == 3 and to_retry == []
    assert notifications_deliver([row.pk for row in rows]) == ([], [])


def test_a_copy_that_fails_for_now_is_retried_alone(settings, sms_outbox):
    FlakySmsBackend.calls, FlakySmsBackend.failures = 0, 1
    settings.SMS_BACKEND = "skypark.notify.tests.test_services.FlakySmsBackend"
    user = UserFactory(email="a@example.kg")
    rows, _callbacks = _send(user)
    by_channel = {row.channel: Notification.objects.get(pk=row.pk) for row in rows}
    assert {c: (n.status, n.attempts) for c, n in by_channel.items()} == {
        "email": (Status.SENT, 1),
        "sms": (Status.SENT, 2),
        "in_app": (Status.SENT, 1),
    }
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1


def test_a_copy_that_keeps_failing_gets_the_single_tasks_retries_in_all(settings, sms_outbox):
    FlakySmsBackend.calls, FlakySmsBackend.failures = 0, 100
    settings.SMS_BACKEND = "skypark.notify.tests.test_services.FlakySmsBackend"
    user = UserFactory(email="a@example.kg")
    rows, _callbacks = _send(user)
    text = Notification.objects.get(pk=next(r.pk for r in rows if r.channel == "sms"))
    assert text.status == Status.FAILED
    assert text.attempts == 1 + deliver_notification.max_retries
    assert sms_outbox == []


def test_a_permanent_failure_is_recorded_and_not_retried(settings):
    settings.SMS_BACKEND = "skypark.notify.tests.test_services.RefusingSmsBackend"
    user = UserFactory(email="a@example.kg", phone="+996555123456")
    rows, _callbacks = _send(user)
    text = Notification.objects.get(pk=next(r.pk for r in rows if r.channel == "sms"))
    assert (text.status, text.attempts, text.last_error) == (Status.FAILED, 1, "number +996555123456 is blocked")
    assert Notification.objects.get(pk=next(r.pk for r in rows if r.channel == "email")).status == Status.SENT
