"""Creates ``parks.refund_policy``, the refund ladder for park tickets customers cancel,
so staff find it in the admin's system settings."""

from django.db import migrations

KEY = "parks.refund_policy"


def forwards(apps, schema_editor):
    from skypark.config.defaults import DEFAULTS

    row = next(r for r in DEFAULTS if r[0] == KEY)
    apps.get_model("config", "SystemSetting").objects.get_or_create(
        key=KEY,
        defaults={
            "value": row[1],
            "data_type": row[2],
            "category": row[3],
            "is_public": row[4],
            "description": row[5],
            "validation_rules": row[6],
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("config", "SystemSetting").objects.filter(key=KEY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("parks", "0002_ticket_partially_refunded"),
        ("config", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
