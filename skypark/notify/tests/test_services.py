import smtplib
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from django.db import transaction
from django.utils import timezone

from skypark.accounts.tests.factories import UserFactory
from skypark.audit.models import AuditEntry
from skypark.notify import sms
from skypark.notify.delivery import notification_deliver, notification_fail
from skypark.notify.models import Notification
from skypark.notify.services import (
    NotificationNotResendable,
    notification_mark_read,
    notification_resend,
    notification_send,
    notifications_requeue_stale,
    schedules_install,
)
from skypark.notify.tasks import deliver_notification, notifications_requeue

from .factories import InAppNotificationFactory, NotificationFactory

pytestmark = pytest.mark.django_db

Status = Notification.Status
ORDER = SimpleNamespace(reference="SP-7K2Q9", total=Decimal("1180.00"), currency="KGS")


class FlakySmsBackend(sms.BaseSmsBackend):
    """Fails with a temporary error ``failures`` times, then delivers to the outbox."""

    failures = 1
    calls = 0

    def send(self, to, text):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise sms.NotificationTemporaryError("gateway timeout")
        sms.outbox.append(sms.SmsMessage(to=to, text=text))


class RefusingSmsBackend(sms.BaseSmsBackend):
    def send(self, to, text):
        raise sms.NotificationPermanentError(f"number {to} is blocked")


class DisconnectingEmailBackend(LocmemEmailBackend):
    """The SMTP server drops the first connection."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class MailboxFullEmailBackend(LocmemEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"No such user")})


@pytest.fixture(autouse=True)
def eager_retries(settings):
    """With ``task_eager_propagates`` on (the test settings), an eager task's
    ``self.retry()`` surfaces as a ``Retry`` exception instead of running the retry, so
    the retry policy would go untested. Celery reads this from Django's settings."""
    settings.CELERY_TASK_EAGER_PROPAGATES = False


@pytest.fixture
def flaky_sms(settings):
    FlakySmsBackend.calls = 0
    FlakySmsBackend.failures = 1
    settings.SMS_BACKEND = f"{__name__}.FlakySmsBackend"
    return FlakySmsBackend


def send_now(**kwargs):
    """Call the service as a caller would and run what it queued on commit."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return notification_send(**kwargs)


# --- e-mail and languages -------------------------------------------------------------


def test_email_is_sent_in_the_recipients_language():
    ru = UserFactory(email="aida@example.kg", language="ru", name="Аида")
    en = UserFactory(email="john@example.kg", language="en", name="John")

    send_now(recipient=ru, kind="account.welcome", context={})
    send_now(recipient=en, kind="account.welcome", context={})

    assert [m.to for m in mail.outbox] == [["aida@example.kg"], ["john@example.kg"]]
    ru_mail, en_mail = mail.outbox
    assert ru_mail.subject == "Добро пожаловать в Sky Park"
    assert en_mail.subject == "Welcome to Sky Park"
    assert "Здравствуйте, Аида!" in ru_mail.body
    assert "Hello, John!" in en_mail.body
    html, mimetype = ru_mail.alternatives[0]
    assert mimetype == "text/html" and 'lang="ru"' in html and "Аида" in html
    row = Notification.objects.get(recipient=ru)
    assert (row.status, row.attempts, row.language, row.to_address) == (Status.SENT, 1, "ru", "aida@example.kg")
    assert row.sent_at is not None


def test_explicit_language_wins_over_the_recipients():
    user = UserFactory(email="a@example.kg", language="ru")
    send_now(recipient=user, kind="order.paid", context={"order": ORDER}, language="ky")
    assert mail.outbox[0].subject == "SP-7K2Q9 буйрутмасы боюнча чек"


@pytest.mark.parametrize("kind", ["account.welcome", "order.paid", "order.refunded", "order.expired"])
def test_every_shipped_kind_is_translated(kind):
    from skypark.notify.rendering import render_kind

    context = {"order": ORDER, "recipient": SimpleNamespace(name="Aida", customer_code="AB12CD34EF")}
    english = render_kind(kind, language="en", context=context)
    for language in ("ru", "ky"):
        rendered = render_kind(kind, language=language, context=context)
        assert rendered.subject and rendered.subject != english.subject
        assert rendered.body != english.body
        assert rendered.sms != english.sms


def test_order_paid_receipt_lists_lines_and_total():
    user = UserFactory(email="a@example.kg", language="en")
    lines = [
        {"description": "Child ticket, 3-6 years", "quantity": 2, "total": Decimal("1180.00")},
    ]
    send_now(recipient=user, kind="order.paid", context={"order": ORDER, "lines": lines})
    body = mail.outbox[0].body
    assert "Order: SP-7K2Q9" in body
    assert "Child ticket, 3-6 years × 2: 1,180\xa0som" in body
    assert "Total paid: 1,180\xa0som" in body


def test_language_specific_template_is_tried_first(settings, tmp_path):
    kind_dir = tmp_path / "notify" / "test.override"
    kind_dir.mkdir(parents=True)
    (kind_dir / "subject.txt").write_text("{% load i18n %}{% translate 'Hello!' %}")
    (kind_dir / "subject.ky.txt").write_text("Салам, {{ name }}!")
    (kind_dir / "body.txt").write_text("{{ name }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]

    for language, subject in (("ky", "Салам, Aida!"), ("ru", "Здравствуйте!"), ("en", "Hello!")):
        [row] = notification_send(
            to_address="x@example.kg", kind="test.override", context={"name": "Aida"}, language=language
        )
        assert row.subject == subject


def test_text_bodies_are_not_html_escaped_but_html_bodies_are():
    user = UserFactory(email="a@example.kg", language="en")
    text = "O'Brien & <Sons>"
    [row] = send_now(recipient=user, kind="generic", context={"subject": text, "body": text})
    assert row.subject == text and row.body == text
    assert "O&#x27;Brien &amp; &lt;Sons&gt;" in row.body_html


def test_attachments_travel_with_the_email():
    user = UserFactory(email="a@example.kg", language="en")
    ics = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    send_now(
        recipient=user,
        kind="generic",
        context={"subject": "Your booking", "body": "See you", "attachments": [("booking.ics", ics, "text/calendar")]},
    )
    [(filename, content, mimetype)] = mail.outbox[0].attachments
    assert (filename, mimetype) == ("booking.ics", "text/calendar")
    assert content.replace("\r\n", "\n") == ics.replace("\r\n", "\n")


# --- channels and addresses -----------------------------------------------------------


def test_sms_goes_through_the_sms_backend(sms_outbox):
    user = UserFactory(phone="+996555123456", language="ru")
    [row] = send_now(recipient=user, kind="order.paid", context={"order": ORDER}, channels=["sms"])
    row.refresh_from_db()
    [message] = sms_outbox
    assert message.to == "+996555123456"
    assert "SP-7K2Q9" in message.text and "оплачен" in message.text
    assert row.body == message.text and row.status == Status.SENT
    assert mail.outbox == []


def test_channels_without_an_address_are_skipped(sms_outbox):
    user = UserFactory(email=None)
    rows = send_now(recipient=user, kind="account.welcome", context={}, channels=["email", "sms", "in_app"])
    assert sorted(r.channel for r in rows) == ["in_app", "sms"]
    assert mail.outbox == [] and len(sms_outbox) == 1


def test_bare_address_without_a_recipient(sms_outbox):
    rows = send_now(
        kind="generic",
        context={"subject": "Hi", "body": "Hello there"},
        channels=["email", "sms", "in_app"],
        to_address={"email": "guest@example.kg", "sms": "0555 123 456"},
    )
    assert {r.channel: r.to_address for r in rows} == {"email": "guest@example.kg", "sms": "+996555123456"}
    assert all(r.recipient is None and r.language == "en" for r in rows)
    assert mail.outbox[0].to == ["guest@example.kg"] and sms_outbox[0].to == "+996555123456"


def test_bad_addresses_are_refused():
    with pytest.raises(ValidationError):
        notification_send(kind="generic", context={}, to_address="not-an-email")
    with pytest.raises(ValidationError):
        notification_send(kind="generic", context={}, to_address="12", channels=["sms"])
    assert not Notification.objects.exists()


def test_related_object_is_recorded():
    user = UserFactory(email="a@example.kg")
    [row] = notification_send(recipient=user, kind="account.welcome", context={}, related=user)
    assert row.related == user
    assert row.content_type.model == "user" and row.object_id == str(user.pk)


def test_in_app_is_delivered_into_the_inbox():
    user = UserFactory()
    [row] = send_now(recipient=user, kind="account.welcome", context={}, channels=["in_app"])
    row.refresh_from_db()
    assert (row.status, row.read_at, row.to_address) == (Status.SENT, None, "")
    assert mail.outbox == []


# --- idempotency and transactions -----------------------------------------------------


def test_dedupe_key_creates_and_sends_once():
    user = UserFactory(email="a@example.kg")
    first = send_now(
        recipient=user,
        kind="order.paid",
        context={"order": ORDER},
        channels=["email", "in_app"],
        dedupe_key="order.paid:42",
    )
    second = send_now(
        recipient=user,
        kind="order.paid",
        context={"order": ORDER},
        channels=["email", "in_app"],
        dedupe_key="order.paid:42",
    )
    assert {n.pk for n in first} == {n.pk for n in second}
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1


def test_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    user = UserFactory(email="a@example.kg")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notification_send(recipient=user, kind="account.welcome", context={}, channels=["email", "in_app"])
                raise RuntimeError("the order could not be saved")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_delivery_waits_for_the_commit(django_capture_on_commit_callbacks):
    user = UserFactory(email="a@example.kg")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            notification_send(recipient=user, kind="account.welcome", context={})
            assert mail.outbox == []
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


# --- delivery, retries and failures ---------------------------------------------------


def test_temporary_failure_is_retried_until_sent(flaky_sms, sms_outbox):
    user = UserFactory()
    [row] = send_now(recipient=user, kind="account.welcome", context={}, channels=["sms"])
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 2, "")
    assert flaky_sms.calls == 2 and len(sms_outbox) == 1


def test_smtp_disconnect_is_retried(settings):
    settings.EMAIL_BACKEND = f"{__name__}.DisconnectingEmailBackend"
    DisconnectingEmailBackend.calls = 0
    user = UserFactory(email="a@example.kg")
    [row] = send_now(recipient=user, kind="account.welcome", context={})
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert len(mail.outbox) == 1


def test_retries_exhausted_marks_failed(flaky_sms, sms_outbox):
    flaky_sms.failures = 100
    user = UserFactory()
    [row] = send_now(recipient=user, kind="account.welcome", context={}, channels=["sms"])
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.attempts == 1 + deliver_notification.max_retries
    assert row.last_error == "gateway timeout"
    assert sms_outbox == []


def test_permanent_failure_is_not_retried(settings):
    settings.SMS_BACKEND = f"{__name__}.RefusingSmsBackend"
    user = UserFactory(phone="+996555123456")
    [row] = send_now(recipient=user, kind="account.welcome", context={}, channels=["sms"])
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert row.last_error == "number +996555123456 is blocked"
    assert row.sent_at is None


def test_smtp_5xx_is_permanent(settings):
    settings.EMAIL_BACKEND = f"{__name__}.MailboxFullEmailBackend"
    user = UserFactory(email="nobody@example.kg")
    [row] = send_now(recipient=user, kind="account.welcome", context={})
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert "No such user" in row.last_error


def test_direct_deliver_raises_and_records_the_temporary_error(flaky_sms):
    row = NotificationFactory(channel="sms", to_address="+996555123456", status=Status.QUEUED, attempts=0)
    with pytest.raises(sms.NotificationTemporaryError):
        notification_deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.QUEUED, 1, "gateway timeout")


def test_second_delivery_of_a_sent_notification_sends_nothing():
    user = UserFactory(email="a@example.kg")
    [row] = send_now(recipient=user, kind="account.welcome", context={})
    assert len(mail.outbox) == 1

    assert notification_deliver(row.pk) is None
    deliver_notification.delay(row.pk)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)
    assert len(mail.outbox) == 1


def test_a_live_claim_is_not_delivered_twice_but_a_stale_one_is_taken_over():
    row = NotificationFactory(status=Status.SENDING, attempts=1)
    with pytest.raises(sms.NotificationTemporaryError):
        notification_deliver(row.pk)
    assert mail.outbox == []

    Notification.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(minutes=30))
    notification_deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert len(mail.outbox) == 1


def test_fail_leaves_a_sent_notification_alone():
    row = NotificationFactory(status=Status.SENT)
    assert notification_fail(row.pk, error="late") is False
    row.refresh_from_db()
    assert row.status == Status.SENT and row.last_error == ""


def test_task_for_a_missing_row_does_nothing(caplog):
    deliver_notification.delay(987654)
    assert not Notification.objects.exists()
    assert "987654 no longer exists" in caplog.text


# --- inbox and resend -----------------------------------------------------------------


def test_mark_read_only_touches_my_in_app_messages():
    me, other = UserFactory(), UserFactory()
    mine = InAppNotificationFactory.create_batch(3, recipient=me)
    theirs = InAppNotificationFactory(recipient=other)
    my_email = NotificationFactory(recipient=me)

    assert notification_mark_read(recipient=me, ids=[mine[0].pk, theirs.pk, my_email.pk]) == 1
    assert notification_mark_read(recipient=me) == 2
    assert notification_mark_read(recipient=me) == 0
    theirs.refresh_from_db()
    my_email.refresh_from_db()
    assert theirs.read_at is None and my_email.read_at is None


def test_resend_queues_a_copy_to_the_current_address(staff_user):
    user = UserFactory(email="old@example.kg")
    original = NotificationFactory(recipient=user, to_address="old@example.kg", status=Status.FAILED, last_error="550")
    user.email = "new@example.kg"
    user.save()

    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        copy = notification_resend(notification=original, actor=staff_user)

    copy.refresh_from_db()
    original.refresh_from_db()
    assert (copy.status, copy.to_address, copy.resent_from_id, copy.body) == (
        Status.SENT,
        "new@example.kg",
        original.pk,
        "Body text",
    )
    assert (original.status, original.last_error) == (Status.FAILED, "550")
    assert mail.outbox[0].to == ["new@example.kg"]
    entry = AuditEntry.objects.get(action="notify.notification.resent")
    assert entry.object_id == str(original.pk) and entry.actor_id == staff_user.pk


def test_in_app_messages_are_not_resent():
    with pytest.raises(NotificationNotResendable):
        notification_resend(notification=InAppNotificationFactory())


def test_unknown_kind_and_channel_are_refused():
    user = UserFactory(email="a@example.kg")
    with pytest.raises(ValueError):
        notification_send(recipient=user, kind="../secrets", context={})
    with pytest.raises(ValueError):
        notification_send(recipient=user, kind="generic", context={}, channels=["fax"])


# --- the stale-notification sweep -------------------------------------------------------


def _queued_without_a_message(user, minutes_ago):
    """A notification committed ``queued`` whose delivery message never went out (its
    worker died between the commit and the publish)."""
    notification = notification_send(recipient=user, kind="account.welcome", context={})[0]
    Notification.objects.filter(pk=notification.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes_ago))
    return notification


def test_the_sweep_delivers_a_notification_whose_message_was_lost(django_capture_on_commit_callbacks):
    stale = _queued_without_a_message(UserFactory(email="old@example.kg"), minutes_ago=10)
    fresh = _queued_without_a_message(UserFactory(email="new@example.kg"), minutes_ago=1)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_requeue(older_than_seconds=300) == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == Notification.Status.SENT
    assert fresh.status == Notification.Status.QUEUED
    assert [m.to for m in mail.outbox] == [["old@example.kg"]]


def test_the_sweep_leaves_sent_and_failed_ones_and_does_not_queue_a_row_twice(django_capture_on_commit_callbacks):
    user = UserFactory(email="a@example.kg")
    stale = _queued_without_a_message(user, minutes_ago=10)
    NotificationFactory(status=Notification.Status.SENT)
    NotificationFactory(status=Notification.Status.FAILED)
    Notification.objects.exclude(pk=stale.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert notifications_requeue_stale(older_than=timedelta(minutes=5)) == 1
        # Touched by the first sweep: a second one right after finds nothing to queue.
        assert notifications_requeue_stale(older_than=timedelta(minutes=5)) == 0
    assert len(callbacks) == 1


def test_the_sweep_is_a_periodic_job():
    from django_celery_beat.models import PeriodicTask

    schedules_install()
    schedules_install()
    task = PeriodicTask.objects.get(task="notify.notifications_requeue_stale")
    assert (task.interval.every, task.interval.period, task.enabled) == (5, "minutes", True)
