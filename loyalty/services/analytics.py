"""Daily aggregates for the merchant dashboard: ``MerchantDailyStats`` and
``CustomerVisit`` are recomputed from the transactions and the ledger for a day, so the
job is idempotent and can be re-run for any day (e.g. after a late CRM import)."""

import datetime

from django.db import transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone

from ..models import CustomerVisit, LedgerEntry, MerchantDailyStats, PosTransaction

Kind = LedgerEntry.Kind


def _day_bounds(day):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


@transaction.atomic
def daily_aggregates_build(*, day=None) -> int:
    """Rebuilds one day's figures for every merchant with activity that day."""
    day = day or timezone.localdate()
    start, end = _day_bounds(day)
    txs = PosTransaction.objects.filter(occurred_at__gte=start, occurred_at__lt=end, is_test=False).exclude(
        status=PosTransaction.Status.VOIDED
    )
    per_merchant = {
        row["merchant"]: row
        for row in txs.values("merchant").annotate(
            sales=Sum("amount"),
            refunded=Sum("refunded_amount"),
            n=Count("id"),
            customers=Count("customer", distinct=True),
        )
    }
    entries = LedgerEntry.objects.filter(created_at__gte=start, created_at__lt=end, merchant__isnull=False)
    issued = dict(entries.filter(kind__in=[Kind.EARNED, Kind.BONUS]).values_list("merchant").annotate(s=Sum("points")))
    redeemed = dict(entries.filter(kind=Kind.REDEEMED).values_list("merchant").annotate(s=Sum("points")))
    firsts = {}
    for merchant_id in per_merchant:
        day_customers = txs.filter(merchant_id=merchant_id).values_list("customer", flat=True).distinct()
        firsts[merchant_id] = (
            PosTransaction.objects.filter(merchant_id=merchant_id, customer__in=day_customers, is_test=False)
            .exclude(status=PosTransaction.Status.VOIDED)
            .values("customer")
            .annotate(first=Min("occurred_at"))
            .filter(first__gte=start)
            .count()
        )
    merchants = set(per_merchant) | set(issued) | set(redeemed)
    for merchant_id in merchants:
        row = per_merchant.get(merchant_id, {})
        MerchantDailyStats.objects.update_or_create(
            merchant_id=merchant_id,
            date=day,
            defaults={
                "sales": (row.get("sales") or 0) - (row.get("refunded") or 0),
                "transactions": row.get("n", 0),
                "customers": row.get("customers", 0),
                "new_customers": firsts.get(merchant_id, 0),
                "points_issued": issued.get(merchant_id) or 0,
                "points_redeemed": -(redeemed.get(merchant_id) or 0),
            },
        )
    MerchantDailyStats.objects.filter(date=day).exclude(merchant_id__in=merchants).delete()
    CustomerVisit.objects.filter(date=day).delete()
    CustomerVisit.objects.bulk_create(
        [
            CustomerVisit(
                merchant_id=row["merchant"],
                customer_id=row["customer"],
                date=day,
                transactions=row["n"],
                amount=row["amount"] or 0,
            )
            for row in txs.values("merchant", "customer").annotate(n=Count("id"), amount=Sum("amount"))
        ]
    )
    return len(merchants)
