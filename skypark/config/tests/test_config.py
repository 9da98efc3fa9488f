from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from skypark.audit.models import AuditEntry
from skypark.config import selectors
from skypark.config.models import SystemSetting
from skypark.config.services import system_setting_update, system_settings_seed

pytestmark = pytest.mark.django_db


def test_seed_defaults_are_present_after_migrate():
    assert selectors.get_decimal("pricing.under_3") == Decimal("590")
    assert selectors.get_decimal("pricing.over_3") == Decimal("790")
    assert selectors.get_decimal("loyalty.points_per_som") == Decimal("0.1")
    assert selectors.get_int("loyalty.expiry_months") == 12
    assert selectors.get_decimal("capacity.warning_threshold") == Decimal("0.8")
    assert selectors.get_int("qr.expiry_hours") == 24


def test_seed_is_idempotent_and_keeps_edited_values(staff_user):
    system_setting_update(key="pricing.over_3", value=850, actor=staff_user)
    assert system_settings_seed() == 0
    assert SystemSetting.objects.get(key="pricing.over_3").value == 850


def test_update_validates_type_and_rules(staff_user):
    with pytest.raises(ValidationError):
        system_setting_update(key="pricing.over_3", value="a lot", actor=staff_user)
    with pytest.raises(ValidationError):
        system_setting_update(key="pricing.over_3", value=-1, actor=staff_user)
    with pytest.raises(ValidationError):
        system_setting_update(key="capacity.warning_threshold", value=1.5, actor=staff_user)
    with pytest.raises(ValidationError):
        system_setting_update(key="loyalty.expiry_months", value=6.5, actor=staff_user)
    assert selectors.get_int("loyalty.expiry_months") == 12


def test_update_is_audited_and_visible_at_once(staff_user, django_capture_on_commit_callbacks):
    assert selectors.get_decimal("pricing.under_3") == Decimal("590")  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        system_setting_update(key="pricing.under_3", value=600, actor=staff_user)
    assert selectors.get_decimal("pricing.under_3") == Decimal("600")
    entry = AuditEntry.objects.get(action="config.setting.updated")
    assert entry.changes["value"] == (590, 600)


def test_reads_are_cached(django_assert_num_queries):
    selectors.get("pricing.under_3")
    with django_assert_num_queries(0):
        selectors.get("pricing.over_3")
        selectors.get("qr.expiry_hours")


def test_unknown_key_is_an_error():
    with pytest.raises(selectors.UnknownSetting):
        selectors.get("no.such.key")


def test_public_api_shows_only_public_values(api_client):
    response = api_client.get(reverse("api:config-public"))
    assert response.status_code == 200
    values = response.json()["settings"]
    assert values["pricing.under_3"] == 590
    assert "loyalty.points_per_som" not in values


def test_admin_edit_goes_through_validation_and_audit(admin_client_logged):
    setting = SystemSetting.objects.get(key="pricing.under_3")
    url = reverse("admin:config_systemsetting_change", args=[setting.pk])
    base = {
        "value": "600",
        "category": "pricing",
        "description": "x",
        "validation_rules": '{"min": 0}',
        "is_public": "on",
    }
    bad = admin_client_logged.post(url, {**base, "value": '"cheap"'})
    assert bad.status_code == 200 and "value" in bad.context["adminform"].form.errors
    good = admin_client_logged.post(url, base)
    assert good.status_code == 302
    assert selectors.get_decimal("pricing.under_3") == Decimal("600")
    assert AuditEntry.objects.filter(action="config.systemsetting.changed", source="admin").exists()


def _sensitive_setting():
    return SystemSetting.objects.create(
        key="sms.gateway_token", value="tok-old-secret", data_type="string", category="sms", is_sensitive=True
    )


def test_sensitive_value_stays_out_of_the_audit_log(staff_user):
    _sensitive_setting()
    system_setting_update(key="sms.gateway_token", value="tok-new-secret", actor=staff_user)
    entry = AuditEntry.objects.get(action="config.setting.updated")
    stored = f"{entry.before} {entry.after} {entry.data}"
    assert "tok-old-secret" not in stored and "tok-new-secret" not in stored
    assert "value" in entry.after


def test_sensitive_value_stays_out_of_admin_audit_and_changelist(admin_client_logged):
    setting = _sensitive_setting()
    url = reverse("admin:config_systemsetting_change", args=[setting.pk])
    data = {"value": '"tok-new-secret"', "category": "sms", "description": "", "validation_rules": "{}"}
    data["is_sensitive"] = "on"
    assert admin_client_logged.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(action="config.systemsetting.changed")
    assert "tok-new-secret" not in f"{entry.before} {entry.after}"
    assert "tok-old-secret" not in f"{entry.before} {entry.after}"
    changelist = admin_client_logged.get(reverse("admin:config_systemsetting_changelist"))
    assert b"tok-new-secret" not in changelist.content


@pytest.mark.parametrize("rules", [{"min": "abc"}, ["min", 0], {"min": True}, {"maximum": 3}, {"choices": "a,b"}])
def test_malformed_rules_are_a_form_error_not_a_crash(admin_client_logged, rules):
    import json

    setting = SystemSetting.objects.get(key="pricing.under_3")
    url = reverse("admin:config_systemsetting_change", args=[setting.pk])
    response = admin_client_logged.post(
        url, {"value": "600", "category": "pricing", "description": "x", "validation_rules": json.dumps(rules)}
    )
    assert response.status_code == 200
    assert "validation_rules" in response.context["adminform"].form.errors
    assert selectors.get_decimal("pricing.under_3") == Decimal("590")


class _CountingCache:
    """The project's cache, with its reads counted."""

    def __init__(self, cache):
        self.cache, self.reads = cache, 0

    def get(self, *args, **kwargs):
        self.reads += 1
        return self.cache.get(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.cache, name)


def test_a_hot_read_asks_neither_the_database_nor_the_cache(settings, monkeypatch, django_assert_num_queries):
    from django.core.cache import cache

    from skypark.core import hotcache

    settings.HOT_CACHE_LOCAL_SECONDS = 5.0
    counting = _CountingCache(cache)
    monkeypatch.setattr(hotcache, "cache", counting)
    selectors.get_int("qr.expiry_hours")
    first = counting.reads
    with django_assert_num_queries(0):
        for _ in range(20):
            assert selectors.get_int("qr.expiry_hours") == 24
    assert first >= 1
    assert counting.reads == first


def test_a_change_made_elsewhere_is_seen_once_the_copy_is_checked_again(settings):
    """Another process's change drops the shared entry; this process's copy serves until
    its next check against the token, then reads the new value."""
    settings.HOT_CACHE_LOCAL_SECONDS = 5.0
    assert selectors.get_int("qr.expiry_hours") == 24
    SystemSetting.objects.filter(key="qr.expiry_hours").update(value=48)
    from django.core.cache import cache

    cache.delete_many(selectors.SETTINGS._keys(None))  # what the other process's commit did
    assert selectors.get_int("qr.expiry_hours") == 24  # within HOT_CACHE_LOCAL_SECONDS
    settings.HOT_CACHE_LOCAL_SECONDS = 0.0
    assert selectors.get_int("qr.expiry_hours") == 48


def test_a_setting_saved_through_the_orm_drops_the_copies_on_commit(settings, django_capture_on_commit_callbacks):
    settings.HOT_CACHE_LOCAL_SECONDS = 5.0
    assert selectors.get_int("qr.expiry_hours") == 24
    with django_capture_on_commit_callbacks(execute=True):
        setting = SystemSetting.objects.get(key="qr.expiry_hours")
        setting.value = 36
        setting.save()
    assert selectors.get_int("qr.expiry_hours") == 36
