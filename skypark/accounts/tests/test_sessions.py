"""Signed-in devices and revocation: a password change or reset and logout end sessions
and revoke tokens; access tokens stop working without a database read per request."""

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken

from skypark.accounts import auth_sessions
from skypark.accounts.models import AuthSession, PhoneCode, User
from skypark.accounts.password_reset import POLICY, reset_code_confirm

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
NEW_PASSWORD = "fresh-Secret-2026"
ANDROID = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"


def api_login(user, user_agent=ANDROID, ip="10.1.1.1"):
    response = APIClient().post(
        reverse("api:auth-token"),
        {"login": user.phone, "password": PASSWORD},
        HTTP_USER_AGENT=user_agent,
        REMOTE_ADDR=ip,
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def works(access) -> bool:
    return bearer(access).get(reverse("api:me")).status_code == 200


def refresh(token):
    return APIClient().post(reverse("api:auth-token-refresh"), {"refresh": token}, format="json")


def web_login(user):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": user.phone, "password": PASSWORD})
    assert response.status_code == 302
    return client


def web_logged_in(client) -> bool:
    return client.get(reverse("accounts:profile")).wsgi_request.user.is_authenticated


def test_an_api_log_in_starts_a_session_named_in_its_tokens():
    user = UserFactory()
    tokens = api_login(user, ip="10.4.4.4")
    session = AuthSession.objects.get(user=user)
    claims = AccessToken(tokens["access"])
    assert (claims["sid"], claims["ver"]) == (session.pk, 0)
    assert (session.kind, session.ip_address, session.user_agent) == ("api", "10.4.4.4", ANDROID)
    rotated = refresh(tokens["refresh"]).json()
    assert AccessToken(rotated["access"])["sid"] == session.pk
    session.refresh_from_db()
    assert session.refresh_jti == AccessToken(rotated["refresh"], verify=False)["jti"]


def test_changing_the_password_revokes_tokens_and_other_web_sessions_but_keeps_this_one():
    user = UserFactory()
    tokens = api_login(user)
    other_browser = web_login(user)
    this_browser = web_login(user)
    assert works(tokens["access"]) and web_logged_in(other_browser)
    response = this_browser.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not works(tokens["access"])
    assert refresh(tokens["refresh"]).status_code == 401
    assert not web_logged_in(other_browser)
    assert web_logged_in(this_browser)
    assert [s.kind for s in AuthSession.objects.filter(user=user, revoked_at__isnull=True)] == ["web"]


def test_a_reset_by_sms_revokes_every_session_and_token():
    user = UserFactory(email=None)
    tokens = api_login(user)
    browser = web_login(user)
    PhoneCode.objects.create(
        user=user,
        purpose=POLICY.purpose,
        phone=user.phone,
        code_hash=POLICY.hash(user.pk, "123456"),
        expires_at=user.date_joined.replace(year=2999),
    )
    reset_code_confirm(phone=user.phone, code="123456", new_password=NEW_PASSWORD, ip="10.1.1.1")
    assert not works(tokens["access"])
    assert refresh(tokens["refresh"]).status_code == 401
    assert not web_logged_in(browser)
    assert not AuthSession.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_a_reset_by_e_mail_link_revokes_every_token(client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(email="aida@example.kg")
    tokens = api_login(user)
    user.refresh_from_db()  # the log-in moved last_login, which the reset link is bound to
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    form_url = client.get(url)["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert not works(tokens["access"])
    assert refresh(tokens["refresh"]).status_code == 401


def test_staff_setting_a_password_in_the_admin_revokes_the_customers_tokens(admin_client_logged):
    user = UserFactory()
    tokens = api_login(user)
    response = admin_client_logged.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not works(tokens["access"])


def test_logout_ends_this_session_only():
    user = UserFactory()
    phone, laptop = api_login(user), api_login(user)
    response = bearer(phone["access"]).post(reverse("api:auth-logout"), {}, format="json")
    assert response.status_code == 200 and response.json() == {"ended": 1}
    assert not works(phone["access"])
    assert refresh(phone["refresh"]).status_code == 401
    assert works(laptop["access"])
    assert refresh(laptop["refresh"]).status_code == 200


def test_logout_with_all_ends_every_session_web_included():
    user = UserFactory()
    phone, laptop = api_login(user), api_login(user)
    browser = web_login(user)
    response = bearer(phone["access"]).post(reverse("api:auth-logout"), {"all": True}, format="json")
    assert response.json() == {"ended": 3}
    assert not works(phone["access"]) and not works(laptop["access"])
    assert refresh(laptop["refresh"]).status_code == 401
    assert not web_logged_in(browser)


def test_logout_needs_a_log_in_and_refuses_bad_input():
    assert APIClient().post(reverse("api:auth-logout"), {}, format="json").status_code == 401
    user = UserFactory()
    response = bearer(api_login(user)["access"]).post(reverse("api:auth-logout"), {"all": "maybe"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_web_logout_ends_the_web_session():
    user = UserFactory()
    browser = web_login(user)
    browser.post(reverse("accounts:logout"))
    assert not AuthSession.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_a_customer_lists_their_devices_and_ends_one():
    user = UserFactory()
    phone = api_login(user)
    laptop = api_login(user, user_agent="Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/121.0")
    browser = web_login(user)
    response = bearer(phone["access"]).get(reverse("api:me-sessions"))
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 3
    assert {r["device"] for r in rows} == {"Chrome on Android", "Firefox on Windows", "Unknown device"}
    assert [r["current"] for r in rows].count(True) == 1
    current = next(r for r in rows if r["current"])
    assert current["id"] == AccessToken(phone["access"])["sid"]
    laptop_id = AccessToken(laptop["access"])["sid"]
    assert bearer(phone["access"]).delete(reverse("api:me-session", args=[laptop_id])).status_code == 204
    assert not works(laptop["access"]) and refresh(laptop["refresh"]).status_code == 401
    assert works(phone["access"])
    web_id = AuthSession.objects.get(user=user, kind="web").pk
    assert bearer(phone["access"]).delete(reverse("api:me-session", args=[web_id])).status_code == 204
    assert not web_logged_in(browser)
    assert [r["id"] for r in bearer(phone["access"]).get(reverse("api:me-sessions")).json()] == [current["id"]]


def test_another_customers_session_is_not_found():
    owner, stranger = UserFactory(), UserFactory()
    owner_tokens = api_login(owner)
    stranger_access = api_login(stranger)["access"]
    owner_sid = AccessToken(owner_tokens["access"])["sid"]
    response = bearer(stranger_access).delete(reverse("api:me-session", args=[owner_sid]))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert works(owner_tokens["access"])
    assert owner_sid not in [r["id"] for r in bearer(stranger_access).get(reverse("api:me-sessions")).json()]


def test_checking_a_token_needs_no_database_read_once_cached(django_assert_num_queries):
    user = UserFactory()
    payload = AccessToken(api_login(user)["access"]).payload
    cache.clear()
    with django_assert_num_queries(2):
        assert auth_sessions.token_is_current(payload)
    with django_assert_num_queries(0):
        assert auth_sessions.token_is_current(payload)


def test_a_revocation_another_process_made_is_seen_within_five_seconds(monkeypatch, settings):
    """With a cache of this process's own, a revocation written elsewhere reaches it only
    through the database, once the cached state expires."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "token-state"}
    }
    user = UserFactory()
    payload = AccessToken(api_login(user)["access"]).payload
    assert auth_sessions.token_is_current(payload)
    User.objects.filter(pk=user.pk).update(token_version=1)  # as another process would
    assert auth_sessions.token_is_current(payload)  # still cached
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + auth_sessions.TOKEN_STATE_CACHE_SECONDS + 0.1)
    assert auth_sessions.TOKEN_STATE_CACHE_SECONDS <= 5
    assert not auth_sessions.token_is_current(payload)


def test_deactivating_an_account_refuses_its_cached_access_token_at_once():
    user = UserFactory()
    access = api_login(user)["access"]
    assert works(access)  # the user's row is now cached
    user.is_active = False
    user.save()
    assert bearer(access).get(reverse("api:me")).status_code == 401


def test_a_permission_flag_set_by_a_queryset_update_is_seen_once_forgotten():
    user = UserFactory()
    access = api_login(user)["access"]
    assert works(access)
    User.objects.filter(pk=user.pk).update(is_active=False)
    auth_sessions.user_cache_forget(user.pk)
    assert bearer(access).get(reverse("api:me")).status_code == 401


def test_a_token_of_a_removed_account_is_refused():
    user = UserFactory()
    access = api_login(user)["access"]
    payload = AccessToken(access).payload
    user.delete()
    cache.clear()
    assert not auth_sessions.token_is_current(payload)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ending_a_session_while_its_refresh_token_is_being_rotated_leaves_no_working_token():
    from django.db import connection

    from skypark.core.testing import run_together

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for a real race")
    user = UserFactory()
    tokens = api_login(user)
    sid = AccessToken(tokens["access"])["sid"]
    jobs = [lambda: refresh(tokens["refresh"]) for _ in range(6)]
    jobs.append(lambda: auth_sessions.session_revoke(session_id=sid, user=user))
    results, errors = run_together(jobs)
    assert not errors, errors
    issued = [r.json() for r in results if hasattr(r, "status_code") and r.status_code == 200]
    assert len(issued) <= 1
    cache.clear()
    for pair in issued:
        assert not works(pair["access"])
        assert refresh(pair["refresh"]).status_code == 401
    session = AuthSession.objects.get(pk=sid)
    assert session.revoked_at is not None
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    assert not live.filter(jti=session.refresh_jti).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ending_every_session_while_tokens_are_rotated_leaves_no_working_token():
    from django.db import connection

    from skypark.core.testing import run_together

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for a real race")
    user = UserFactory()
    pairs = [api_login(user) for _ in range(4)]
    jobs = [lambda token=pair["refresh"]: refresh(token) for pair in pairs]
    jobs.append(lambda: auth_sessions.sessions_revoke_all(user=user, reason="test"))
    results, errors = run_together(jobs)
    assert not errors, errors
    cache.clear()
    issued = [r.json() for r in results if hasattr(r, "status_code") and r.status_code == 200]
    for pair in [*pairs, *issued]:
        assert not works(pair["access"])
        assert refresh(pair["refresh"]).status_code == 401
    assert not AuthSession.objects.filter(user=user, revoked_at__isnull=True).exists()


def _url(name, language="en", **kwargs):
    from django.utils import translation

    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def test_the_devices_page_lists_sessions_and_logs_one_out_without_javascript():
    user = UserFactory(language="en")
    phone = api_login(user)
    other_browser = web_login(user)
    browser = web_login(user)
    profile = browser.get(_url("accounts:profile")).content.decode()
    assert _url("accounts:devices") in profile
    page = browser.get(_url("accounts:devices"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Chrome on Android" in html and "this device" in html
    assert html.count('method="post"') >= 3  # one plain form per device
    phone_sid = AccessToken(phone["access"])["sid"]
    response = browser.post(_url("accounts:device_end", pk=phone_sid))
    assert response.status_code == 302 and response["Location"] == _url("accounts:devices")
    assert not works(phone["access"])
    other_sid = AuthSession.objects.filter(user=user, kind="web").order_by("pk").first().pk
    browser.post(_url("accounts:device_end", pk=other_sid))
    assert not web_logged_in(other_browser)
    assert web_logged_in(browser)
    # Logging out this browser from the list.
    this_sid = browser.session[auth_sessions.WEB_SESSION_FIELD]
    browser.post(_url("accounts:device_end", pk=this_sid))
    assert not web_logged_in(browser)


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", "Вошедшие устройства"), ("ky", "Кирген түзмөктөр"), ("en", "Signed-in devices")],
)
def test_the_devices_page_is_translated(language, words):
    user = UserFactory(language=language)
    browser = web_login(user)
    assert words in browser.get(_url("accounts:devices", language)).content.decode()


def test_the_devices_page_refuses_other_customers_sessions_and_get_requests():
    owner, stranger = UserFactory(language="en"), UserFactory(language="en")
    owner_tokens = api_login(owner)
    browser = web_login(stranger)
    sid = AccessToken(owner_tokens["access"])["sid"]
    assert browser.post(_url("accounts:device_end", pk=sid)).status_code == 404
    assert browser.get(_url("accounts:device_end", pk=sid)).status_code == 405
    assert works(owner_tokens["access"])
    assert Client().get(_url("accounts:devices")).status_code == 302


def test_signed_in_devices_are_in_the_data_export_and_go_with_the_erasure():
    from skypark.accounts.privacy import erase, export

    user = UserFactory()
    api_login(user, ip="10.6.6.6")
    [device] = export(user)["signed_in_devices"]
    assert (device["ip_address"], device["user_agent"]) == ("10.6.6.6", ANDROID)
    assert "refresh_jti" not in device and "session_key" not in device
    erase(user)
    assert not AuthSession.objects.filter(user=user).exists()
