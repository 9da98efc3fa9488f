from django.db import migrations

from skypark.config.defaults import DEFAULTS


def seed(apps, schema_editor):
    SystemSetting = apps.get_model("config", "SystemSetting")
    for key, value, data_type, category, is_public, description, rules in DEFAULTS:
        SystemSetting.objects.get_or_create(
            key=key,
            defaults=dict(value=value, data_type=data_type, category=category, is_public=is_public,
                          description=description, validation_rules=rules),
        )


def unseed(apps, schema_editor):
    """Removes the settings this migration created, with whatever values staff gave them."""
    SystemSetting = apps.get_model("config", "SystemSetting")
    SystemSetting.objects.filter(key__in=[row[0] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("config", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
