from django.db import migrations
from django.db.models import Count, F, Max, Min, Sum

SETTINGS = [
    "loyalty.fraud_velocity_window_minutes",
    "loyalty.fraud_velocity_customer_points",
    "loyalty.fraud_velocity_customer_sales",
    "loyalty.fraud_velocity_till_points",
    "loyalty.fraud_refund_window_days",
    "loyalty.fraud_refunds",
    "loyalty.fraud_shared_window_days",
    "loyalty.fraud_shared_accounts",
    "loyalty.fraud_redeem_after_earn_minutes",
]
COUNTED = ["completed", "partially_refunded", "refunded"]
BATCH = 2000


def forwards(apps, schema_editor):
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
    PosTransaction = apps.get_model("loyalty", "PosTransaction")
    CustomerTotals = apps.get_model("loyalty", "CustomerTotals")
    PosTransaction.objects.filter(completed_at__isnull=True).exclude(status="pending").update(
        completed_at=F("occurred_at")
    )
    live = PosTransaction.objects.filter(is_test=False, status__in=COUNTED)
    for per_merchant in (True, False):
        keys = ["customer_id", "merchant_id", "currency"] if per_merchant else ["customer_id", "currency"]
        rows = live.values(*keys).annotate(
            spent=Sum("amount"), refunded=Sum("refunded_amount"), n=Count("id"), first=Min("occurred_at"), last=Max("occurred_at")
        )
        batch = []
        for row in rows.iterator(chunk_size=BATCH):
            batch.append(
                CustomerTotals(
                    customer_id=row["customer_id"],
                    merchant_id=row["merchant_id"] if per_merchant else None,
                    currency=row["currency"],
                    total_spent=row["spent"] - row["refunded"],
                    transactions=row["n"],
                    first_visit_at=row["first"],
                    last_visit_at=row["last"],
                )
            )
            if len(batch) == BATCH:
                CustomerTotals.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        CustomerTotals.objects.bulk_create(batch, ignore_conflicts=True)


def backwards(apps, schema_editor):
    apps.get_model("config", "SystemSetting").objects.filter(key__in=SETTINGS).delete()
    apps.get_model("loyalty", "CustomerTotals").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0016_till_lifecycle_totals_and_fraud_holds"), ("config", "0002_seed_defaults")]
    operations = [migrations.RunPython(forwards, backwards)]
