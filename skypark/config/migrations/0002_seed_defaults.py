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


class Migration(migrations.Migration):
    dependencies = [("config", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
