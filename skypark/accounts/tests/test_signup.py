"""Signing up with a code sent by SMS: the account exists only once the code is entered,
and neither the pages, the API nor the limits tell whether a phone or an e-mail already
belongs to a customer (its owner is told instead)."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from skypark.accounts.models import PhoneCode, User
from skypark.accounts.signup_views import PENDING
from skypark.core.testing import run_together
from skypark.notify import sms

from .factories import UserFactory

pytestmark = pytest.mark.django_db

CODE_URL = "/api/v1/auth/register/code/"
REGISTER_URL = "/api/v1/auth/register/"


@pytest.fixture(autouse=True)
def _outboxes():
    mail.outbox = []
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def details(**overrides):
    data = {
        "phone": "0555 123 456",
        "name": "Aida Kasymova",
        "email": "aida@example.kg",
        "language": "en",
        "password1": "Sunny-Slide-42",
        "password2": "Sunny-Slide-42",
    }
    data.update(overrides)
    return data


def start(client, **overrides):
    return client.post(reverse("accounts:signup"), details(**overrides))


def enter(client, code):
    return client.post(reverse("accounts:signup_confirm"), {"action": "confirm", "code": code})


def confirm_page(client, phone_shown):
    """The code page with what differs by request (the number itself, the CSRF token)
    taken out."""
    html = client.get(reverse("accounts:signup_confirm")).content.decode()
    html = html.replace(phone_shown, "PHONE")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_details_then_the_code_create_the_confirmed_customer_and_log_in(client, sms_codes):
    response = start(client)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup_confirm")
    assert not User.objects.exists()
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "We have sent a six-digit code by SMS to +996 555 123 456" in page

    done = enter(client, sms_codes[-1])

    assert done.status_code == 302 and done["Location"] == reverse("accounts:profile")
    user = User.objects.get()
    assert (user.phone, user.email, user.name) == ("+996555123456", "aida@example.kg", "Aida Kasymova")
    assert user.phone_verified is True
    assert user.check_password("Sunny-Slide-42")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert PENDING not in client.session
    assert "Welcome to Sky Park" in client.get(done["Location"]).content.decode()


def test_the_password_waits_between_the_steps_only_as_a_hash(client):
    start(client)
    pending = client.session[PENDING]
    assert "Sunny-Slide-42" not in str(pending)
    assert pending["password_hash"].startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt", "md5"))


def test_the_code_text_reaches_the_phone_in_the_customers_language(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(client, language="ky")
    [message] = sms.outbox
    assert message.to == "+996555123456"
    code = re.search(r"\b(\d{6})\b", message.text).group(1)
    assert "Sky Park" in message.text and "катталуу" in message.text.lower()
    assert enter(client, code).status_code == 302
    assert User.objects.get().phone_verified


def test_a_taken_phone_gets_the_same_pages_and_its_owner_a_reminder_instead_of_a_code(
    client, sms_codes, django_capture_on_commit_callbacks
):
    owner = UserFactory(phone="+996555123456", language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        taken = start(client, phone="+996 (555) 12-34-56", email="")
    taken_page = confirm_page(client, "+996 555 123 456")

    other = type(client)()
    fresh = start(other, phone="0555 123 457", email="")
    fresh_page = confirm_page(other, "+996 555 123 457")

    assert taken.status_code == fresh.status_code == 302 and taken["Location"] == fresh["Location"]
    assert taken_page == fresh_page
    # Only the free number got a code; the owner was told, in their language.
    assert len(sms_codes) == 1
    [reminder] = sms.outbox
    assert reminder.to == owner.phone and not re.search(r"\d{6}", reminder.text)
    assert "аккаунт" in reminder.text.lower()
    refused = enter(client, sms_codes[0])
    assert refused.status_code == 400
    assert refused.context["form"].errors["code"] == [
        "This code is wrong or has expired. Check it, or ask for a new code."
    ]
    assert User.objects.count() == 1 and SESSION_KEY not in client.session


def test_a_taken_email_is_left_out_and_its_owner_is_told(client, sms_codes, django_capture_on_commit_callbacks):
    owner = UserFactory(email="aida@example.kg", language="en")
    start(client, email="AIDA@example.kg")
    with django_capture_on_commit_callbacks(execute=True):
        done = enter(client, sms_codes[-1])

    assert done.status_code == 302
    new = User.objects.exclude(pk=owner.pk).get()
    assert new.email is None and new.phone_verified
    told = [message for message in mail.outbox if message.to == ["aida@example.kg"]]
    assert len(told) == 1 and "already yours" in told[0].body


def test_mismatched_passwords_and_a_bad_phone_stay_on_the_form_and_send_nothing(client, sms_codes):
    mismatch = start(client, password2="other-Slide-42")
    bad = start(client, phone="12ab")
    assert mismatch.status_code == bad.status_code == 200
    assert mismatch.context["form"].errors["password2"] and bad.context["form"].errors["phone"]
    assert sms_codes == [] and not PhoneCode.objects.exists()


def test_wrong_codes_wear_the_code_out(client, sms_codes, settings):
    settings.SIGNUP_CODE_ATTEMPTS = 3
    start(client)
    right = sms_codes[-1]
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        assert enter(client, wrong).status_code == 400
    assert enter(client, right).status_code == 400
    assert not User.objects.exists()


def test_a_new_code_replaces_the_old_one(client, sms_codes):
    start(client)
    first = sms_codes[-1]
    client.post(reverse("accounts:signup_confirm"), {"action": "send"})
    second = sms_codes[-1]
    assert len(sms_codes) == 2
    if first != second:
        assert enter(client, first).status_code == 400
    assert enter(client, second).status_code == 302


def test_the_limit_on_codes_per_phone_counts_a_taken_phone_alike(client, settings):
    settings.SIGNUP_SMS_PER_PHONE = 2
    UserFactory(phone="+996555123456")
    answers = {}
    for phone in ("+996555123456", "+996555123457"):
        c = type(client)()
        for _ in range(2):
            start(c, phone=phone, email="")
        c.post(reverse("accounts:signup_confirm"), {"action": "send"})
        page = c.get(reverse("accounts:signup_confirm")).content.decode()
        answers[phone] = "Too many codes or attempts" in page
    assert answers == {"+996555123456": True, "+996555123457": True}


def test_the_code_page_without_details_goes_back_to_the_form(client):
    assert client.get(reverse("accounts:signup_confirm"))["Location"] == reverse("accounts:signup")


def test_going_back_keeps_the_details_but_not_the_password(client):
    start(client)
    html = client.get(reverse("accounts:signup")).content.decode()
    assert 'value="Aida Kasymova"' in html and "Sunny-Slide-42" not in html


@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_the_code_page_is_translated(client, language):
    with translation.override(language):
        client.post(reverse("accounts:signup"), details(language=language))
        html = client.get(reverse("accounts:signup_confirm")).content.decode()
    expected = {"ru": "Создать аккаунт", "ky": "Аккаунт түзүү", "en": "Create the account"}[language]
    assert expected in html


# The API


def test_api_sign_up_in_two_steps_then_log_in(sms_codes):
    api = APIClient()
    sent = api.post(CODE_URL, {"phone": "0555 123 456", "language": "ky"}, format="json")
    assert sent.status_code == 202 and sent.json() == {"phone": "+996555123456", "expires_in": 600}
    assert not User.objects.exists()

    body = {"phone": "+996 555 123 456", "code": sms_codes[-1], "password": "long-secret-1", "name": "Aida"}
    created = api.post(REGISTER_URL, body, format="json")

    assert created.status_code == 201, created.content
    assert created.json()["phone"] == "+996555123456" and created.json()["phone_verified"] is True
    tokens = api.post(reverse("api:auth-token"), {"login": "0555 123 456", "password": "long-secret-1"}, format="json")
    assert tokens.status_code == 200


def test_api_answers_the_same_for_a_taken_phone(sms_codes):
    UserFactory(phone="+996555000222")
    api = APIClient()
    taken = api.post(CODE_URL, {"phone": "0555 000 222"}, format="json")
    fresh = api.post(CODE_URL, {"phone": "0555 000 223"}, format="json")
    assert taken.status_code == fresh.status_code == 202
    assert set(taken.json()) == set(fresh.json()) and taken.json()["expires_in"] == fresh.json()["expires_in"]
    assert len(sms_codes) == 1

    def register(phone, code):
        body = {"phone": phone, "code": code, "password": "long-secret-1"}
        return api.post(REGISTER_URL, body, format="json")

    taken_answer = register("0555 000 222", sms_codes[0])
    wrong_answer = register("0555 000 223", "999999" if sms_codes[0] != "999999" else "888888")
    assert taken_answer.status_code == wrong_answer.status_code == 400
    assert taken_answer.json()["error"]["code"] == wrong_answer.json()["error"]["code"] == "signup_code_invalid"
    assert taken_answer.json() == wrong_answer.json()
    assert User.objects.count() == 1


def test_api_refuses_what_it_does_not_understand():
    api = APIClient()
    assert api.post(CODE_URL, {"phone": "12"}, format="json").status_code == 400
    form = api.post(CODE_URL, "phone=0555000224", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    no_code = api.post(REGISTER_URL, {"phone": "0555 000 224", "password": "long-secret-1"}, format="json")
    assert no_code.status_code == 400 and "code" in no_code.json()["error"]["details"]
    assert not PhoneCode.objects.exists() and not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_one_code_entered_by_many_at_once_makes_one_account(sms_codes):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for a real race")
    APIClient().post(CODE_URL, {"phone": "0555 123 456"}, format="json")
    code = sms_codes[-1]

    def register(i):
        body = {"phone": "0555 123 456", "code": code, "password": "long-secret-1", "name": f"Twin {i}"}
        return APIClient().post(REGISTER_URL, body, format="json").status_code

    answers, errors = run_together([lambda i=i: register(i) for i in range(8)])
    assert not errors, errors
    assert sorted(answers) == [201] + [400] * 7
    assert User.objects.count() == 1
