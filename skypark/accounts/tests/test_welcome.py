"""The welcome message at sign-up: once, in the customer's language, by e-mail if they
gave one and by SMS otherwise."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from skypark.accounts import services
from skypark.notify import sms
from skypark.notify.models import Notification


@pytest.fixture(autouse=True)
def _outboxes():
    mail.outbox = []
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def signup(client, language, codes, capture, **fields):
    """The two sign-up steps; what the second commits is sent."""
    data = {
        "phone": "0700 123 456",
        "name": "Айгуль",
        "email": "",
        "language": language,
        "password1": "long-Secret-2026",
        "password2": "long-Secret-2026",
        **fields,
    }
    with translation.override(language):
        first = client.post(reverse("accounts:signup"), data)
        if first.status_code != 302:
            return first
        with capture(execute=True):
            return client.post(reverse("accounts:signup_confirm"), {"action": "confirm", "code": codes[-1]})


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("ru", "Добро пожаловать в Sky Park", "Здравствуйте, Айгуль!"),
        ("ky", "Sky Park кош келиңиз", "Саламатсызбы, Айгуль!"),
        ("en", "Welcome to Sky Park", "Hello, Айгуль!"),
    ],
)
def test_signup_with_email_sends_one_welcome_email_in_the_customers_language(
    client, db, django_capture_on_commit_callbacks, sms_codes, language, subject, greeting
):
    response = signup(client, language, sms_codes, django_capture_on_commit_callbacks, email="aigul@example.kg")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["aigul@example.kg"] and message.subject == subject
    assert greeting in message.body
    assert sms.outbox == []


def test_signup_with_phone_only_sends_the_welcome_by_sms(client, db, django_capture_on_commit_callbacks, sms_codes):
    signup(client, "ky", sms_codes, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    [message] = sms.outbox
    assert message.to == "+996700123456"
    assert message.text == "Sky Park кош келиңиз! Аккаунтуңуз даяр."


def test_the_welcome_is_sent_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.customer_register(phone="0700 123 456", password="long-Secret-2026", email="a@example.kg")
    with django_capture_on_commit_callbacks(execute=True):
        services.welcome_send(user=user)
        services.welcome_send(user=user)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(kind="account.welcome", recipient=user).count() == 1


def test_a_failed_signup_sends_nothing(client, db, django_capture_on_commit_callbacks, sms_codes):
    response = signup(client, "en", sms_codes, django_capture_on_commit_callbacks, password2="something-else-1")
    assert response.status_code == 200
    assert mail.outbox == [] and sms.outbox == []
