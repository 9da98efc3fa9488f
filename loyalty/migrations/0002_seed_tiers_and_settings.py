from decimal import Decimal

from django.db import migrations

TIERS = [
    # code, ru, ky, en, min points, multiplier, discount %, colour, order (Sky Park seed)
    ("beginner", "Новичок", "Жаңы адам", "Beginner", 0, "1.00", "0", "#87CEEB", 1),
    ("friend", "Друг", "Дос", "Friend", 1000, "1.50", "5", "#FFD700", 2),
    ("vip", "VIP", "VIP", "VIP", 5000, "2.00", "10", "#9370DB", 3),
]
SETTINGS = [
    "loyalty.points_per_som",
    "loyalty.expiry_months",
    "loyalty.point_value",
    "loyalty.tier_window_months",
    "loyalty.birthday_bonus",
    "loyalty.referral_bonus",
    "loyalty.referral_welcome_bonus",
    "loyalty.fraud_window_minutes",
    "loyalty.fraud_merchants",
]


def seed(apps, schema_editor):
    Tier = apps.get_model("loyalty", "Tier")
    for code, ru, ky, en, min_points, multiplier, discount, colour, order in TIERS:
        Tier.objects.get_or_create(
            code=code,
            defaults=dict(
                name=ru,
                name_ky=ky,
                name_en=en,
                min_points=min_points,
                multiplier=Decimal(multiplier),
                discount_percent=Decimal(discount),
                colour=colour,
                order=order,
            ),
        )
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
    apps.get_model("config", "SystemSetting").objects.filter(key__in=SETTINGS).delete()
    apps.get_model("loyalty", "Tier").objects.filter(code__in=[row[0] for row in TIERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial"), ("config", "0002_seed_defaults")]
    operations = [migrations.RunPython(seed, unseed)]
