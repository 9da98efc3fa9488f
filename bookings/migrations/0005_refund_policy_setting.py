"""The three settings of the course cancellation policy (full-refund days, partial-refund
hours and percent) become one refund ladder, ``bookings.refund_policy``, that the
checkout's cancel service reads. Values staff had set are carried over."""

from django.db import migrations

OLD = ("bookings.refund_full_days", "bookings.refund_partial_hours", "bookings.refund_partial_percent")
KEY = "bookings.refund_policy"


def forwards(apps, schema_editor):
    from skypark.config.defaults import DEFAULTS

    SystemSetting = apps.get_model("config", "SystemSetting")
    old = {s.key: s.value for s in SystemSetting.objects.filter(key__in=OLD)}
    row = next(r for r in DEFAULTS if r[0] == KEY)
    value = row[1]
    if len(old) == len(OLD):
        value = [
            {"hours": int(old[OLD[0]]) * 24, "percent": 100},
            {"hours": int(old[OLD[1]]), "percent": old[OLD[2]]},
        ]
        value = sorted({t["hours"]: t for t in value}.values(), key=lambda t: -t["hours"])
    SystemSetting.objects.get_or_create(
        key=KEY,
        defaults={
            "value": value,
            "data_type": row[2],
            "category": row[3],
            "is_public": row[4],
            "description": row[5],
            "validation_rules": row[6],
        },
    )
    SystemSetting.objects.filter(key__in=OLD).delete()


def backwards(apps, schema_editor):
    apps.get_model("config", "SystemSetting").objects.filter(key=KEY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_booking_partially_refunded"),
        ("config", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
