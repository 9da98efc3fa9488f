import datetime

import pytest
from django.utils import timezone

from loyalty import tasks
from loyalty.models import Account, ImportBatch, LedgerEntry, MerchantDailyStats
from skypark.accounts.tests.factories import UserFactory

from .factories import give_points

pytestmark = pytest.mark.django_db


def test_expiry_task_is_idempotent(shopper):
    give_points(shopper, 40, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert tasks.loyalty_points_expire() == 40
    assert tasks.loyalty_points_expire() == 0
    assert LedgerEntry.objects.filter(kind="expired").count() == 1


def test_birthday_and_tier_tasks_run_twice_without_double_effects():
    UserFactory(birth_date=timezone.localdate().replace(year=1991))
    tasks.loyalty_birthday_bonuses()
    tasks.loyalty_birthday_bonuses()
    assert LedgerEntry.objects.filter(source="birthday").count() == 1
    account = Account.objects.get()
    give_points(account.customer, 1000)
    assert tasks.loyalty_tiers_recalculate() == 1
    assert tasks.loyalty_tiers_recalculate() == 0


def test_aggregates_task_rebuilds_today_and_yesterday(merchant, shopper):
    from decimal import Decimal

    from loyalty.services import pos_transaction_record

    pos_transaction_record(merchant=merchant, customer=shopper, external_id="t1", amount=Decimal("100"))
    tasks.loyalty_daily_aggregates()
    tasks.loyalty_daily_aggregates()
    assert MerchantDailyStats.objects.get().transactions == 1


def test_import_task_runs_a_batch_once(merchant, shopper):
    batch = ImportBatch.objects.create(
        merchant=merchant,
        rows=[{"external_id": "i1", "customer_code": shopper.customer_code, "amount": "10"}],
        total_rows=1,
    )
    tasks.loyalty_import_run(batch.pk)
    tasks.loyalty_import_run(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == ("done", 1)
