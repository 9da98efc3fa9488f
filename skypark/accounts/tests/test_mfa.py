"""Staff two-factor log-in: enforcement over every admin URL, set-up with recovery
codes, the code page, throttling and the superuser's reset."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from skypark.accounts.mfa import services
from skypark.accounts.models import MerchantMembership
from skypark.accounts.tests.factories import MembershipFactory, StaffFactory
from skypark.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

SETUP = "/admin/mfa/setup/"
VERIFY = "/admin/mfa/verify/"


@pytest.fixture
def production_mfa(settings):
    settings.STAFF_MFA_REQUIRED = True
    return settings


def code_for(device, steps_ahead=0):
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled(user):
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    codes = services.recovery_codes_issue(user=user)
    return device, codes


def _admin_paths(patterns, prefix=""):
    """Every admin URL with each of its arguments set to 1."""
    for entry in patterns:
        route = str(entry.pattern)
        if route.startswith("^") or "(?P" in route:
            continue  # the app index and the catch-all are regexes, listed apart
        route = re.sub(r"<(?:\w+:)?\w+>", "1", route)
        if isinstance(entry, URLResolver):
            yield from _admin_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def every_admin_url():
    urls = {"/admin/" + path for path in _admin_paths(admin.site.get_urls())}
    urls |= {f"/admin/{model._meta.app_label}/" for model in admin.site._registry}
    urls -= {reverse("admin:login"), reverse("admin:logout")}
    return sorted(urls)


def test_every_admin_url_is_listed():
    urls = every_admin_url()
    assert "/admin/" in urls
    assert "/admin/accounts/user/" in urls and "/admin/accounts/user/1/change/" in urls
    assert "/admin/section/1/" in urls and "/admin/accounts/" in urls
    assert len(urls) > 200


def test_staff_without_a_device_reach_no_admin_page_in_production(client, production_mfa):
    client.force_login(StaffFactory())
    refused = []
    for url in every_admin_url():
        response = client.get(url)
        if response.status_code != 302 or not response["Location"].startswith(SETUP + "?next="):
            refused.append((url, response.status_code))
    assert refused == []
    response = client.post("/admin/accounts/user/", {"action": "delete_selected", "_selected_action": ["1"]})
    assert response["Location"].startswith(SETUP)


def test_merchant_owners_and_managers_must_use_mfa_but_cashiers_need_not(client, production_mfa):
    for role, blocked in (("owner", True), ("manager", True), ("cashier", False)):
        user = MembershipFactory(role=role).user
        client.force_login(user)
        response = client.get("/admin/")
        assert (response.status_code == 302 and response["Location"].startswith(SETUP)) is blocked, role
    assert MerchantMembership.objects.count() == 3


def test_mfa_is_optional_in_development(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(StaffFactory())
    assert client.get("/admin/").status_code == 200


def test_a_user_with_a_device_is_asked_for_the_code_even_where_not_required(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    user = StaffFactory()
    enrolled(user)
    client.force_login(user)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == VERIFY + "?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_setup_shows_a_qr_code_and_the_secret_and_a_first_code_confirms(client, production_mfa):
    user = StaffFactory()
    client.force_login(user)
    page = client.get(SETUP + "?next=/admin/accounts/user/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    html = page.content.decode()
    assert "<svg" in html and services.totp_secret(device) in html
    assert client.get(SETUP).context["secret"] == services.totp_secret(device)  # same secret on reload

    wrong = client.post(SETUP, {"token": "000000", "next": "/admin/accounts/user/"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get("/admin/").status_code == 302

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    right = client.post(SETUP, {"token": code_for(device), "next": "/admin/accounts/user/"})
    assert right.status_code == 302 and right["Location"].startswith("/admin/mfa/recovery-codes/")
    shown = client.get(right["Location"])
    codes = shown.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(codes)
    assert all(code in shown.content.decode() for code in codes)
    assert client.get("/admin/mfa/recovery-codes/").status_code == 302  # shown once
    assert client.get("/admin/accounts/user/").status_code == 200
    assert AuditEntry.objects.filter(action="accounts.mfa.enrolled", object_id=str(user.pk)).exists()


def test_a_wrong_code_is_refused_and_the_right_one_admits(client, production_mfa):
    user = StaffFactory()
    device, _codes = enrolled(user)
    client.force_login(user)
    assert client.get("/admin/").status_code == 302
    wrong = client.post(VERIFY, {"token": "123456", "next": "/admin/"})
    assert wrong.status_code == 400
    assert client.get("/admin/").status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    right = client.post(VERIFY, {"token": code_for(device), "next": "/admin/accounts/user/"})
    assert right.status_code == 302 and right["Location"] == "/admin/accounts/user/"
    assert client.get("/admin/accounts/user/").status_code == 200


def test_a_code_is_accepted_once(client, production_mfa):
    user = StaffFactory()
    device, _codes = enrolled(user)
    token = code_for(device)
    services.mfa_verify(user=user, token=token)
    with pytest.raises(services.MfaCodeInvalid):
        services.mfa_verify(user=user, token=token)


def test_a_recovery_code_works_once(client, production_mfa):
    user = StaffFactory()
    _device, codes = enrolled(user)
    client.force_login(user)
    assert client.post(VERIFY, {"token": codes[3].upper(), "next": "/admin/"}).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9

    client.logout()
    client.force_login(user)
    again = client.post(VERIFY, {"token": codes[3], "next": "/admin/"})
    assert again.status_code == 400
    assert client.get("/admin/").status_code == 302


def _wait_out_the_lock(device):
    device.refresh_from_db()
    waited = timezone.now() - timedelta(seconds=2**device.throttling_failure_count)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=waited)


def test_wrong_codes_lock_the_device_even_against_the_right_code(client, production_mfa):
    user = StaffFactory()
    device, _codes = enrolled(user)
    client.force_login(user)
    for failures in range(1, 5):
        assert client.post(VERIFY, {"token": "111111", "next": "/admin/"}).status_code == 400
        # Tries while locked are refused without even being checked.
        for _ in range(3):
            locked = client.post(VERIFY, {"token": code_for(device), "next": "/admin/"})
            assert locked.status_code == 429
        device.refresh_from_db()
        assert device.throttling_failure_count == failures
        _wait_out_the_lock(device)
    assert client.get("/admin/").status_code == 302
    # Once the back-off has passed, the right code is taken.
    assert client.post(VERIFY, {"token": code_for(device), "next": "/admin/"}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_session_is_renewed_when_the_second_factor_passes(client, production_mfa):
    user = StaffFactory()
    device, _codes = enrolled(user)
    client.force_login(user)
    before = client.session.session_key
    client.post(VERIFY, {"token": code_for(device), "next": "/admin/"})
    assert client.session.session_key != before


def test_only_safe_next_urls_are_followed(client, production_mfa):
    user = StaffFactory()
    device, _codes = enrolled(user)
    client.force_login(user)
    response = client.post(VERIFY, {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_a_second_device_cannot_be_set_up_over_the_first(client, production_mfa):
    user = StaffFactory()
    enrolled(user)
    client.force_login(user)
    assert client.get(SETUP)["Location"] == VERIFY
    with pytest.raises(services.MfaAlreadyEnrolled):
        services.totp_device_pending(user=user)


def test_the_otp_device_admins_are_not_registered():
    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


def test_staff_see_who_has_two_factor_log_in(admin_client_logged):
    with_mfa, without = StaffFactory(name="Has Device"), StaffFactory(name="No Device")
    enrolled(with_mfa)
    page = admin_client_logged.get("/admin/accounts/user/?is_staff__exact=1")
    rows = {user.pk: user for user in page.context["cl"].result_list}
    assert rows[with_mfa.pk]._mfa is True and rows[without.pk]._mfa is False
    assert "mfa_enabled" in page.context["cl"].list_display
    assert "mfa_enabled" not in admin_client_logged.get("/admin/accounts/user/").context["cl"].list_display
    change = admin_client_logged.get(f"/admin/accounts/user/{with_mfa.pk}/change/")
    assert "icon-yes" in change.content.decode().split("mfa_enabled")[1][:400]


def test_a_superuser_resets_a_users_devices_and_it_is_audited(admin_client_logged):
    user = StaffFactory()
    enrolled(user)
    response = admin_client_logged.post(
        "/admin/accounts/user/", {"action": "reset_mfa", "_selected_action": [str(user.pk)]}, follow=True
    )
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(action="accounts.mfa.reset", object_id=str(user.pk))
    assert entry.data["devices"] == 2


def test_staff_who_are_not_superusers_cannot_reset_devices(client):
    from django.contrib.auth.models import Permission

    staff = StaffFactory(is_superuser=False)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    target = StaffFactory()
    enrolled(target)
    client.force_login(staff)
    page = client.get("/admin/accounts/user/")
    assert page.status_code == 200
    assert "reset_mfa" not in page.content.decode()
    client.post("/admin/accounts/user/", {"action": "reset_mfa", "_selected_action": [str(target.pk)]})
    assert TOTPDevice.objects.filter(user=target).exists()
    assert not AuditEntry.objects.filter(action="accounts.mfa.reset").exists()


def test_production_settings_require_mfa_and_enforce_it_on_the_admin():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "skypark.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "skypark.kg",
        "STAFF_MFA_REQUIRED": "false",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.STAFF_MFA_REQUIRED); print('\\n'.join(settings.MIDDLEWARE))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    lines = out.split()
    assert lines[0] == "True", "production requires MFA, whatever the environment says"
    middleware = lines[1:]
    # The web pages' middleware, passed by only for API calls without a session cookie.
    auth = middleware.index("skypark.core.api.middleware.AuthenticationMiddleware")
    otp = middleware.index("skypark.core.api.middleware.OTPMiddleware")
    assert auth < otp < middleware.index("skypark.core.api.middleware.StaffMfaMiddleware")


@pytest.mark.parametrize(
    ("language", "title", "hint"),
    [
        ("en", "Set up two-factor log-in", "scan this QR code"),
        ("ru", "Настройка двухфакторного входа", "отсканируйте этот QR-код"),
        ("ky", "Эки факторлуу кирүүнү орнотуу", "QR-кодду сканерлеңиз"),
    ],
)
def test_the_setup_page_is_translated(client, production_mfa, language, title, hint):
    production_mfa.LANGUAGE_CODE = language  # the back-office speaks the site's language
    client.force_login(StaffFactory())
    html = client.get(SETUP).content.decode()
    assert title in html and hint in html


def test_a_session_that_owes_its_second_factor_opens_no_staff_or_customer_page(client, production_mfa):
    client.force_login(StaffFactory())
    for path in ("/accounts/profile/", "/parks/gate/", "/events/check-in/", "/loyalty/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(SETUP), path
    api = client.get("/api/v1/me/children/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "mfa_required"
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_customers_and_staff_who_need_no_mfa_are_not_stopped(client, production_mfa):
    from .factories import UserFactory

    client.force_login(UserFactory(language="en"))
    assert client.get("/accounts/profile/").status_code == 200
    client.force_login(MembershipFactory(role="cashier").user)
    assert client.get("/api/v1/me/children/").status_code == 200


# The API log-in: a password alone never buys a staff token the back-office would refuse.

TOKEN = "/api/v1/auth/token/"


def _token(login, otp=None):
    from rest_framework.test import APIClient

    body = {"login": login, "password": "pass-word-123"}
    if otp is not None:
        body["otp"] = otp
    return APIClient().post(TOKEN, body, format="json")


def _staff_with_password(**kwargs):
    user = StaffFactory(**kwargs)
    user.set_password("pass-word-123")
    user.save()
    return user


def test_a_staff_token_needs_the_second_factor(production_mfa):
    from skypark.accounts.models import AuthSession

    user = _staff_with_password(is_superuser=True)
    device, recovery = enrolled(user)

    missing = _token(user.phone)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "mfa_required"
    wrong = _token(user.phone, otp="000000" if code_for(device) != "000000" else "111111")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "mfa_code_invalid"
    assert not AuthSession.objects.filter(user=user).exists()

    _wait_out_the_lock(device)
    right = _token(user.phone, otp=code_for(device))
    assert right.status_code == 200 and right.json()["access"]
    assert _token(user.phone, otp=recovery[0]).status_code == 200
    assert _token(user.phone, otp=recovery[0]).status_code == 400


def test_staff_who_must_use_mfa_and_have_not_set_it_up_get_no_token(production_mfa):
    owner = MembershipFactory(role=MerchantMembership.Role.OWNER).user
    owner.set_password("pass-word-123")
    owner.save()
    refused = _token(owner.phone)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "mfa_setup_required"


def test_cashiers_and_customers_log_in_to_the_api_with_a_password(production_mfa):
    from .factories import UserFactory

    cashier = MembershipFactory(role="cashier").user
    cashier.set_password("pass-word-123")
    cashier.save()
    customer = UserFactory()
    customer.set_password("pass-word-123")
    customer.save()
    assert _token(cashier.phone).status_code == 200
    assert _token(customer.phone).status_code == 200
