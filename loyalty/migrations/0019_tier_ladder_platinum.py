"""The coalition's ladder gets its fourth step. Kept apart from the schema changes of
0018 so that, unapplied on PostgreSQL, the rows it changes are committed before the
tables they live in are altered."""

from decimal import Decimal

from django.db import migrations

# The coalition's fourth step (the Svoy Krug seed's four status tiers), above VIP.
PLATINUM = dict(
    code="platinum", name="Платина", name_ky="Платина", name_en="Platinum", min_points=15000,
    multiplier=Decimal("2.50"), discount_percent=Decimal("15"), colour="#5F6B7A", order=4,
    free_services=["Parking", "Priority booking"],
)


def ladder_complete(apps, schema_editor):
    Tier = apps.get_model("loyalty", "Tier")
    if not Tier.objects.filter(merchant__isnull=True, code="platinum").exists():
        if Tier.objects.filter(merchant__isnull=True).exists():
            Tier.objects.create(**PLATINUM)


def ladder_uncomplete(apps, schema_editor):
    Tier = apps.get_model("loyalty", "Tier")
    platinum = Tier.objects.filter(merchant__isnull=True, code="platinum").first()
    if platinum is None:
        return
    below = Tier.objects.filter(merchant__isnull=True, min_points__lt=platinum.min_points).order_by("-min_points").first()
    apps.get_model("loyalty", "Account").objects.filter(tier_id=platinum.pk).update(tier_id=below.pk if below else None)
    TierChange = apps.get_model("loyalty", "TierChange")
    TierChange.objects.filter(to_tier_id=platinum.pk).update(to_tier_id=below.pk if below else None)
    TierChange.objects.filter(from_tier_id=platinum.pk).update(from_tier_id=below.pk if below else None)
    Tier.objects.filter(pk=platinum.pk)._raw_delete(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0018_offers_and_tier_ladders")]

    operations = [migrations.RunPython(ladder_complete, ladder_uncomplete)]
