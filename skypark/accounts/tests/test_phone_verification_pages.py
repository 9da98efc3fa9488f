"""The phone confirmation page (no JavaScript, ru/ky/en) and its API pair."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from skypark.accounts.models import PhoneCode
from skypark.notify import sms

from .factories import UserFactory

pytestmark = pytest.mark.django_db
SEND = "/api/v1/me/phone/verification/"
CONFIRM = "/api/v1/me/phone/verification/confirm/"


@pytest.fixture(autouse=True)
def _sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def last_code():
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)


def page_url(language="en"):
    with translation.override(language):
        return reverse("accounts:phone_verify")


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.mark.parametrize(
    ("language", "title", "button"),
    [
        ("en", "Confirm your phone", "Send me a code"),
        ("ru", "Подтвердите телефон", "Прислать код"),
        ("ky", "Телефонуңузду ырастаңыз", "Мага код жөнөтүү"),
    ],
)
def test_the_page_sends_a_code_and_confirms_it_without_javascript(
    client, django_capture_on_commit_callbacks, language, title, button
):
    user = UserFactory(language=language)
    client.force_login(user)
    page = client.get(page_url(language))
    html = page.content.decode()
    assert page.status_code == 200 and title in html and button in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(page_url(language), {"action": "send", "next": "/loyalty/"})
    assert sent.status_code == 302
    assert 'name="code"' in client.get(sent["Location"]).content.decode()
    wrong = client.post(page_url(language), {"action": "confirm", "code": "12345x", "next": "/loyalty/"})
    assert wrong.status_code == 400
    done = client.post(page_url(language), {"action": "confirm", "code": last_code(), "next": "/loyalty/"})
    assert done.status_code == 302 and done["Location"] == "/loyalty/"
    user.refresh_from_db()
    assert user.phone_verified


def test_the_page_shows_a_wrong_code_as_a_form_error(client, django_capture_on_commit_callbacks):
    user = UserFactory(language="en")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(), {"action": "send"})
    code = last_code()
    response = client.post(page_url(), {"action": "confirm", "code": f"{(int(code) + 1) % 10**6:06d}"})
    assert response.status_code == 400
    assert "This code is wrong or has expired" in response.content.decode()
    user.refresh_from_db()
    assert not user.phone_verified


def test_the_page_needs_a_log_in(client):
    response = client.get(page_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_profile_offers_the_confirmation_until_it_is_done(client):
    user = UserFactory(language="en")
    client.force_login(user)
    assert page_url() in client.get(reverse("accounts:profile")).content.decode()
    type(user).objects.filter(pk=user.pk).update(phone_verified=True)
    assert page_url() not in client.get(reverse("accounts:profile")).content.decode()


def test_the_api_sends_and_confirms(django_capture_on_commit_callbacks):
    user = UserFactory()
    api = api_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(SEND)
    assert sent.status_code == 202
    assert sent.json() == {"phone": user.phone, "expires_in": 600}
    assert sms.outbox[-1].to == user.phone
    confirmed = api.post(CONFIRM, {"code": last_code()}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["phone_verified"] is True
    assert api.get("/api/v1/me/").json()["phone_verified"] is True
    again = api.post(SEND)
    assert again.status_code == 409 and again.json()["error"]["code"] == "phone_already_verified"


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": "12ab56"}, {"code": "1" * 40}, {"code": ["123456"]}])
def test_the_api_refuses_bad_input_with_a_validation_error(body):
    response = api_for(UserFactory()).post(CONFIRM, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_the_api_gives_machine_codes_for_a_wrong_code_and_the_limits(django_capture_on_commit_callbacks, settings):
    user = UserFactory()
    api = api_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(SEND)
    code = last_code()
    wrong = api.post(CONFIRM, {"code": f"{(int(code) + 1) % 10**6:06d}"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "phone_verification_code_invalid"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            api.post(SEND)
    limited = api.post(SEND)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "phone_verification_rate_limited"
    assert PhoneCode.objects.filter(user=user).count() == 3


def test_the_api_is_for_customers_only():
    assert APIClient().post(SEND).status_code == 401
    assert APIClient().post(CONFIRM, {"code": "123456"}, format="json").status_code == 401
