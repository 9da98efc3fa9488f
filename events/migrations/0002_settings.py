"""Creates the events' system settings with their defaults (existing values stay)."""

from django.db import migrations

KEYS = (
    "events.cancellation_cutoff_hours",
    "events.refund_percent",
    "events.offer_hours",
    "events.reminder_hours",
    "events.checkin_opens_minutes",
    "events.no_show_grace_minutes",
    "events.streak_bonus_step",
    "events.streak_bonus_max",
)


def create(apps, schema_editor):
    from skypark.config.defaults import DEFAULTS

    SystemSetting = apps.get_model("config", "SystemSetting")
    for key, value, data_type, category, is_public, description, rules in DEFAULTS:
        if key in KEYS:
            SystemSetting.objects.get_or_create(
                key=key,
                defaults={
                    "value": value,
                    "data_type": data_type,
                    "category": category,
                    "is_public": is_public,
                    "description": description,
                    "validation_rules": rules,
                },
            )


def remove(apps, schema_editor):
    apps.get_model("config", "SystemSetting").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial"), ("config", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
