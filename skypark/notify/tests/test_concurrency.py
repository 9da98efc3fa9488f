"""Races that only a real database with row locks can show."""

import pytest
from django.core import mail
from django.db import connection

from skypark.accounts.tests.factories import UserFactory
from skypark.core.testing import run_together
from skypark.notify.delivery import notification_deliver
from skypark.notify.models import Notification
from skypark.notify.services import notification_send
from skypark.notify.sms import NotificationTemporaryError

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_concurrent_requests_with_one_dedupe_key_create_one_row():
    user = UserFactory(email="a@example.kg")

    _results, errors = run_together(
        [lambda: notification_send(recipient=user, kind="account.welcome", context={}, dedupe_key="welcome:1")] * 8
    )

    assert errors == []
    assert Notification.objects.filter(dedupe_key="welcome:1").count() == 1
    assert len(mail.outbox) == 1


def test_concurrent_deliveries_send_once():
    user = UserFactory(email="a@example.kg")
    row = Notification.objects.create(
        recipient=user, channel="email", kind="generic", language="en", to_address=user.email, subject="s", body="b"
    )

    _results, errors = run_together([lambda: notification_deliver(row.pk)] * 6)

    assert all(isinstance(exc, NotificationTemporaryError) for exc in errors)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Notification.Status.SENT, 1)
    assert len(mail.outbox) == 1
