import secrets

from django.conf import settings
from django.db import migrations

SETTINGS = [
    "loyalty.card_code_step_seconds",
    "loyalty.card_code_grace_steps",
    "loyalty.fraud_manual_entries",
    "loyalty.fraud_manual_window_minutes",
]
BATCH = 2000


def backfill(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Card = apps.get_model("loyalty", "Card")
    ids = User.objects.filter(loyalty_card__isnull=True).order_by("pk").values_list("pk", flat=True)
    batch = []
    for pk in ids.iterator(chunk_size=BATCH):
        batch.append(Card(customer_id=pk, secret=secrets.token_hex(20)))
        if len(batch) == BATCH:
            Card.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Card.objects.bulk_create(batch, ignore_conflicts=True)

    from skypark.config.defaults import DEFAULTS

    SystemSetting = apps.get_model("config", "SystemSetting")
    for key, value, data_type, category, is_public, description, rules in DEFAULTS:
        if key in SETTINGS:
            SystemSetting.objects.get_or_create(
                key=key,
                defaults=dict(
                    value=value,
                    data_type=data_type,
                    category=category,
                    is_public=is_public,
                    description=description,
                    validation_rules=rules,
                ),
            )


def unseed(apps, schema_editor):
    """Removes the settings; the cards stay (every customer has one either way, and a
    card's secret is what its codes are signed with)."""
    apps.get_model("config", "SystemSetting").objects.filter(key__in=SETTINGS).delete()


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0009_card_secret_and_scan_kinds"), ("config", "0002_seed_defaults")]
    operations = [migrations.RunPython(backfill, unseed)]
