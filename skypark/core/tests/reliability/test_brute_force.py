"""Guessing is rate limited: API log-in, the web log-in form, codes entered at park
gates and event doors, and coupon checks. Each test makes exactly the configured number
of attempts, then shows the next one is refused (429 on the API, a form error on the
web, even with the right password) and that the limit is scoped to the attacker only."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from skypark.accounts.tests.factories import MerchantFactory, StaffFactory, UserFactory, issue_key

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def configured(scope):
    num, _period = SimpleRateThrottle.parse_rate(None, settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope])
    return num


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert response.json()["error"]["code"] == "throttled"


def test_api_token_endpoint_refuses_after_the_configured_number_of_attempts():
    client = APIClient()
    user = UserFactory()
    limit = configured("login")
    for _ in range(limit):
        assert client.post(reverse("api:auth-token"), {"login": user.phone, "password": "wrong"}).status_code == 401
    assert_throttled(client.post(reverse("api:auth-token"), {"login": user.phone, "password": PASSWORD}))


def _web_login(client, login, password, ip="10.1.1.1"):
    return client.post(reverse("accounts:login"), {"username": login, "password": password}, REMOTE_ADDR=ip)


def test_web_login_form_refuses_a_login_after_the_configured_failures_even_with_the_right_password(client):
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = _web_login(client, user.phone, "wrong")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = _web_login(client, user.phone, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The same number in another spelling is the same login.
    response = _web_login(client, "0" + user.phone.removeprefix("+996"), PASSWORD, ip="10.1.1.2")
    assert "Too many failed attempts" in response.content.decode()
    # Another customer on the same address is not affected.
    other = UserFactory()
    assert _web_login(client, other.phone, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_web_login_form_refuses_an_address_that_tries_many_accounts(client):
    users = [UserFactory() for _ in range(settings.LOGIN_FAILURE_LIMIT_PER_IP)]
    for user in users:
        _web_login(client, user.phone, "wrong", ip="10.2.2.2")
    victim = UserFactory()
    response = _web_login(client, victim.phone, PASSWORD, ip="10.2.2.2")
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _web_login(client, victim.phone, PASSWORD, ip="10.3.3.3").status_code == 302


def test_successful_web_login_clears_the_failures_of_that_login(client):
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _web_login(client, user.phone, "wrong")
    assert _web_login(client, user.phone, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _web_login(client, user.phone, "wrong")
    assert _web_login(client, user.phone, PASSWORD).status_code == 302


def _staff_client():
    client = APIClient()
    client.force_authenticate(StaffFactory())
    return client


def test_park_gate_code_entry_is_limited_per_staff_member():
    from skypark.parks.tests.factories import ParkFactory

    park = ParkFactory()
    client = _staff_client()
    url = reverse("api:park-gate-admit")
    for n in range(configured("gate_code")):
        response = client.post(url, {"park": park.slug, "code": f"{n:08d}"})
        assert response.status_code == 200
        assert response.json()["admitted"] is False
    assert_throttled(client.post(url, {"park": park.slug, "code": "12345678"}))
    assert _staff_client().post(url, {"park": park.slug, "code": "12345678"}).status_code == 200


def test_event_check_in_code_entry_is_limited_per_staff_member():
    from events.tests.factories import EventFactory

    event = EventFactory()
    client = _staff_client()
    url = reverse("api:event-check-in")
    for n in range(configured("gate_code")):
        response = client.post(url, {"event": event.pk, "code": f"{n:08d}"})
        assert response.status_code == 200
        assert response.json()["admitted"] is False
    assert_throttled(client.post(url, {"event": event.pk, "code": "12345678"}))
    assert _staff_client().post(url, {"event": event.pk, "code": "12345678"}).status_code == 200


def _partner_client():
    _key, plaintext = issue_key(MerchantFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


@pytest.mark.parametrize("name", ["partner-coupon-validate", "partner-coupon-redeem"])
def test_coupon_guessing_is_limited_per_api_key(name):
    client = _partner_client()
    url = reverse(f"api:{name}")
    body = {"customer_code": "NOSUCHCODE", "amount": Decimal("100.00"), "reference": "till-1"}
    for n in range(configured("coupon")):
        assert client.post(url, {**body, "code": f"GUESS{n}"}).status_code in (400, 404, 409)
    assert_throttled(client.post(url, {**body, "code": "GUESS"}))
    assert _partner_client().post(url, {**body, "code": "GUESS"}).status_code != 429


def test_partner_rate_is_per_api_key_not_shared_by_all_merchants(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "partner": "3/min"})
    first, second = _partner_client(), _partner_client()
    url = reverse("api:partner-me")
    assert [first.get(url).status_code for _ in range(3)] == [200, 200, 200]
    assert_throttled(first.get(url))
    assert second.get(url).status_code == 200
