"""``events.refund_percent`` becomes a refund ladder, ``events.refund_policy``, read by
the checkout's cancel service like every other domain's policy. A value staff had set is
carried over as one step: that percent whenever the registration is cancelled in time."""

from django.db import migrations

OLD = "events.refund_percent"
KEY = "events.refund_policy"


def forwards(apps, schema_editor):
    from skypark.config.defaults import DEFAULTS

    SystemSetting = apps.get_model("config", "SystemSetting")
    old = SystemSetting.objects.filter(key=OLD).first()
    row = next(r for r in DEFAULTS if r[0] == KEY)
    value = [{"hours": 0, "percent": old.value}] if old is not None else row[1]
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
    SystemSetting.objects.filter(key=OLD).delete()


def backwards(apps, schema_editor):
    apps.get_model("config", "SystemSetting").objects.filter(key=KEY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_leaderboard_score"),
        ("config", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
