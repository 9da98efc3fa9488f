"""Guessing is limited: log-in (web form, admin and API token, one lockout for all three),
codes entered at park gates and event doors, and coupon checks. Each test makes the
configured number of attempts, then shows the next one is refused (429 on the API, a form
error on the web, even with the right password) and that the limit is scoped to the
attacker only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
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


@pytest.fixture
def lockout(settings):
    """The log-in lockout on (the suite runs with it off), five failures per login and
    address, twenty per address."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_LOCKOUT_IP_LIMIT = 20
    settings.TRUSTED_PROXIES = []
    return settings


def _api_login(login, password, **extra):
    return APIClient().post(reverse("api:auth-token"), {"login": login, "password": password}, **extra)


def _web_login(client, login, password, ip="10.1.1.1", **extra):
    return client.post(reverse("accounts:login"), {"username": login, "password": password}, REMOTE_ADDR=ip, **extra)


def _admin_login(client, login, password, ip="10.1.1.1"):
    return client.post(reverse("admin:login"), {"username": login, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client):
    return "_auth_user_id" in client.session


def _shift_attempts(minutes):
    """Moves every recorded failure ``minutes`` into the past."""
    from axes.models import AccessAttempt

    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - timedelta(minutes=minutes)
        )


def test_admin_login_is_locked_after_the_limit_even_with_the_right_password(lockout, client):
    staff = StaffFactory()
    for _ in range(4):
        assert _admin_login(client, staff.phone, "wrong").status_code == 200
    assert "Too many failed attempts" in _admin_login(client, staff.phone, "wrong").content.decode()
    response = _admin_login(client, staff.phone, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert not _logged_in(client)
    # The same staff member from their own desk is not locked out.
    assert _admin_login(client, staff.phone, PASSWORD, ip="10.7.7.7").status_code == 302
    assert _logged_in(client)


def test_the_lockout_message_is_translated(lockout, client):
    user = UserFactory()
    for _ in range(5):
        _web_login(client, user.phone, "wrong")
    for language, words in (("ru", "Слишком много"), ("ky", "өтө көп"), ("en", "Too many failed attempts")):
        with translation.override(language):
            url = reverse("accounts:login")
        response = client.post(url, {"username": user.phone, "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
        assert words in response.content.decode(), language


def test_api_token_is_locked_with_429_login_locked_even_with_the_right_password(lockout):
    user = UserFactory()
    for _ in range(4):
        response = _api_login(user.phone, "wrong", REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 401 and response.json()["error"]["code"] == "no_active_account"
    for password in ("wrong", PASSWORD):
        response = _api_login(user.phone, password, REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 429, response.content
        assert response.json()["error"]["code"] == "login_locked"
        assert response.json()["error"]["message"]
    assert _api_login(user.phone, PASSWORD, REMOTE_ADDR="10.5.5.5").status_code == 200


def test_web_api_and_admin_share_one_count(lockout, client):
    user = UserFactory()
    for _ in range(2):
        _web_login(client, user.phone, "wrong")
    for _ in range(2):
        _api_login(user.phone, "wrong", REMOTE_ADDR="10.1.1.1")
    _admin_login(client, user.phone, "wrong")
    assert _api_login(user.phone, PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 429
    assert "Too many failed attempts" in _web_login(client, user.phone, PASSWORD).content.decode()


def test_an_unknown_login_is_answered_like_a_known_one(lockout):
    user = UserFactory()
    known = [_api_login(user.phone, "wrong", REMOTE_ADDR="10.1.1.1") for _ in range(6)]
    unknown = [_api_login("+996555000999", "wrong", REMOTE_ADDR="10.1.1.2") for _ in range(6)]
    assert [(r.status_code, r.json()) for r in known] == [(r.status_code, r.json()) for r in unknown]


def test_a_victim_on_another_address_is_not_locked_out(lockout, client):
    victim = UserFactory()
    for n in range(30):
        _web_login(client, victim.phone, "wrong", ip=f"10.1.1.{n % 3}")
    # Another spelling of the same number is the same login.
    response = _web_login(client, "0" + victim.phone.removeprefix("+996"), PASSWORD, ip="10.1.1.1")
    assert "Too many failed attempts" in response.content.decode()
    assert _web_login(client, victim.phone, PASSWORD, ip="192.0.2.10").status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)
    client.logout()
    assert _api_login(victim.phone, PASSWORD, REMOTE_ADDR="192.0.2.11").status_code == 200


def test_an_address_that_tries_many_logins_is_locked_for_all_of_them(lockout, client):
    for n in range(20):
        _web_login(client, f"+99655500{n:04d}", "wrong", ip="10.2.2.2")
    victim = UserFactory()
    assert "Too many failed attempts" in _web_login(client, victim.phone, PASSWORD, ip="10.2.2.2").content.decode()
    assert not _logged_in(client)
    assert _web_login(client, victim.phone, PASSWORD, ip="10.3.3.3").status_code == 302


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(lockout, client):
    user = UserFactory()
    for n in range(5):
        _web_login(client, user.phone, "wrong", ip="10.9.9.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = _web_login(client, user.phone, PASSWORD, ip="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert "Too many failed attempts" in response.content.decode()
    # Nor can a forged header put the attacker's failures on someone else's address.
    assert _web_login(client, user.phone, PASSWORD, ip="10.8.8.8", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 302


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_forwarded_address(lockout, client):
    lockout.TRUSTED_PROXIES = ["10.0.0.0/24"]
    user = UserFactory()
    for _ in range(5):
        _web_login(client, user.phone, "wrong", ip="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    attacker = _web_login(client, user.phone, PASSWORD, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert "Too many failed attempts" in attacker.content.decode()
    # The attacker cannot escape by prepending a fake hop: the proxy appends the real one.
    spoofed = _web_login(client, user.phone, PASSWORD, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert "Too many failed attempts" in spoofed.content.decode()
    assert (
        _web_login(client, user.phone, PASSWORD, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
    )


def test_a_successful_log_in_clears_that_logins_failures_but_not_the_addresss(lockout, client):
    user = UserFactory()
    for _ in range(4):
        _web_login(client, user.phone, "wrong")
    assert _web_login(client, user.phone, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _web_login(client, user.phone, "wrong")
    assert _web_login(client, user.phone, PASSWORD).status_code == 302
    client.logout()
    # Logging in to one's own account does not wipe the address's count of other logins.
    for n in range(19):
        _web_login(client, f"+99655511{n:04d}", "wrong")
    assert _web_login(client, user.phone, PASSWORD).status_code == 302
    client.logout()
    _web_login(client, "+996555229999", "wrong")
    assert "Too many failed attempts" in _web_login(client, user.phone, PASSWORD).content.decode()


def test_the_lockout_ends_after_the_cool_off_and_backs_off_on_each_new_failure(lockout, client):
    lockout.AXES_COOLOFF_TIME = timedelta(minutes=15)
    user = UserFactory()
    for _ in range(5):
        _web_login(client, user.phone, "wrong")
    _shift_attempts(16)
    # Cool-off over: one more failure locks again, now for twice as long.
    assert "Too many failed attempts" in _web_login(client, user.phone, "wrong").content.decode()
    _shift_attempts(16)
    assert "Too many failed attempts" in _web_login(client, user.phone, PASSWORD).content.decode()
    _shift_attempts(15)
    assert _web_login(client, user.phone, PASSWORD).status_code == 302


def test_staff_unlock_a_customer_from_the_admin(lockout, client):
    from axes.models import AccessAttempt

    user = UserFactory()
    for ip in ("10.1.1.1", "10.1.1.2"):
        for _ in range(5):
            _api_login(user.phone, "wrong", REMOTE_ADDR=ip)
    staff = StaffFactory()
    admin_client = Client()
    admin_client.force_login(staff)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_login", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=user.phone).exists()
    assert _api_login(user.phone, PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 200
    # axes' own list of attempts is in the admin too.
    assert admin_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200


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
