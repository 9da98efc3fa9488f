"""The data migration that turns ``events.refund_percent`` into a refund ladder keeps the
value staff had set."""

import importlib

import pytest
from django.apps import apps

from skypark.config.models import SystemSetting

pytestmark = pytest.mark.django_db


def _setting(key, value):
    SystemSetting.objects.update_or_create(key=key, defaults={"value": value, "data_type": "number"})


def test_event_refund_percent_becomes_one_step_to_the_start():
    migration = importlib.import_module("events.migrations.0004_refund_policy_setting")
    SystemSetting.objects.filter(key="events.refund_policy").delete()
    _setting("events.refund_percent", 80)
    migration.forwards(apps, None)
    assert SystemSetting.objects.get(key="events.refund_policy").value == [{"hours": 0, "percent": 80}]
    assert not SystemSetting.objects.filter(key="events.refund_percent").exists()
