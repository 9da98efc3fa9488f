"""Log-in and password reset answer the same for an account that exists and one that
does not, so they cannot be used to find out who is a customer."""

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from skypark.notify import sms

from .factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

UNKNOWN_PHONE = "+996555000777"


def _form_errors(response):
    return [str(e) for e in response.context["form"].non_field_errors()]


def test_web_log_in_says_the_same_for_an_unknown_login_and_a_wrong_password(client):
    user = UserFactory(email="known@example.kg")
    url = reverse("accounts:login")
    answers = [
        _form_errors(client.post(url, {"username": login, "password": "wrong-pass"}))
        for login in (user.phone, UNKNOWN_PHONE, "known@example.kg", "nobody@example.kg")
    ]
    assert answers[0] and all(answer == answers[0] for answer in answers)


def test_admin_log_in_says_the_same_for_an_unknown_login_and_a_wrong_password(client):
    staff = StaffFactory()
    url = reverse("admin:login")
    known = _form_errors(client.post(url, {"username": staff.phone, "password": "wrong-pass"}))
    unknown = _form_errors(client.post(url, {"username": UNKNOWN_PHONE, "password": "wrong-pass"}))
    assert known and known == unknown


def test_api_log_in_answers_the_same_for_an_unknown_login_and_a_wrong_password():
    user = UserFactory()
    url = reverse("api:auth-token")
    known = APIClient().post(url, {"login": user.phone, "password": "wrong-pass"})
    unknown = APIClient().post(url, {"login": UNKNOWN_PHONE, "password": "wrong-pass"})
    assert (
        (known.status_code, known.json())
        == (unknown.status_code, unknown.json())
        == (
            401,
            {"error": {"code": "no_active_account", "message": "Wrong phone/e-mail or password."}},
        )
    )


def test_an_inactive_account_is_answered_like_an_unknown_one():
    user = UserFactory(is_active=False)
    url = reverse("api:auth-token")
    inactive = APIClient().post(url, {"login": user.phone, "password": "pass-word-123"})
    unknown = APIClient().post(url, {"login": UNKNOWN_PHONE, "password": "pass-word-123"})
    assert (inactive.status_code, inactive.json()) == (unknown.status_code, unknown.json())


def test_a_reset_by_e_mail_answers_the_same_and_mails_only_the_owner(client):
    UserFactory(email="known@example.kg")
    url = reverse("accounts:password_reset")
    known = client.post(url, {"email": "known@example.kg"})
    unknown = client.post(url, {"email": "nobody@example.kg"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["known@example.kg"]]


def test_a_reset_by_sms_answers_the_same_for_an_unknown_phone(client):
    user = UserFactory(email=None)
    sms.outbox.clear()
    url = reverse("accounts:password_reset_sms")
    known = client.post(url, {"phone": user.phone})
    unknown = client.post(url, {"phone": UNKNOWN_PHONE})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in sms.outbox] in ([], [user.phone])  # sent after commit, to the owner only
