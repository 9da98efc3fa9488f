"""The data migration that turns the three course refund settings into one refund ladder
keeps the values staff had set."""

import importlib

import pytest
from django.apps import apps

from skypark.config.models import SystemSetting

pytestmark = pytest.mark.django_db


def _setting(key, value):
    SystemSetting.objects.update_or_create(key=key, defaults={"value": value, "data_type": "number"})


def test_course_settings_become_one_ladder_with_the_staff_values():
    migration = importlib.import_module("bookings.migrations.0005_refund_policy_setting")
    SystemSetting.objects.filter(key="bookings.refund_policy").delete()
    _setting("bookings.refund_full_days", 3)
    _setting("bookings.refund_partial_hours", 24)
    _setting("bookings.refund_partial_percent", 30)
    migration.forwards(apps, None)
    assert SystemSetting.objects.get(key="bookings.refund_policy").value == [
        {"hours": 72, "percent": 100},
        {"hours": 24, "percent": 30},
    ]
    assert not SystemSetting.objects.filter(key__startswith="bookings.refund_").exclude(key="bookings.refund_policy")
