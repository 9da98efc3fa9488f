"""Creates the settings for points from park visits and completed courses."""

from django.db import migrations

KEYS = ("events.points_park_visit", "events.points_course_completed")


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
    dependencies = [("events", "0007_activity"), ("config", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
