import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty import services
from loyalty.errors import (
    CardCodeInvalid,
    CouponExhausted,
    CouponLimitPerCustomer,
    CouponNotValid,
    CustomerNotFound,
    IdempotencyKeyReused,
    InvalidPoints,
    RefundTooLarge,
    TransactionConflict,
    TransactionNotRefundable,
)
from loyalty.models import (
    Account,
    Coupon,
    CustomerVisit,
    FraudFlag,
    ImportBatch,
    LedgerEntry,
    MerchantDailyStats,
    PosTransaction,
    ScanLog,
)
from skypark.accounts.tests.factories import MerchantFactory, UserFactory

from .factories import CouponFactory, ProgramFactory, PromoFactory, card_code, give_points

pytestmark = pytest.mark.django_db
Kind = LedgerEntry.Kind


def record(merchant, customer, external_id="tx-1", amount="1000.00", **kwargs):
    return services.pos_transaction_record(
        merchant=merchant, customer=customer, external_id=external_id, amount=Decimal(amount), **kwargs
    )


# --- POS transactions ---------------------------------------------------------------------


def test_pos_purchase_earns_coalition_points_and_a_retry_changes_nothing(merchant, shopper):
    coffee = [{"sku": "C1", "name": "Coffee", "quantity": 2, "unit_price": "500"}]
    tx, created = record(merchant, shopper, lines=coffee)
    assert created and tx.points_earned == 100 and tx.lines.get().total == Decimal("1000.00")
    again, created = record(merchant, shopper, lines=[{**coffee[0], "quantity": "2.0", "unit_price": "500.00"}])
    assert not created and again.pk == tx.pk
    assert Account.objects.get(customer=shopper, merchant__isnull=True).balance == 100
    with pytest.raises(TransactionConflict):
        record(merchant, shopper, amount="999.00")


def test_same_external_id_at_another_merchant_is_another_transaction(merchant, other_merchant, shopper):
    record(merchant, shopper)
    _tx, created = record(other_merchant, shopper)
    assert created and PosTransaction.objects.count() == 2


def test_idempotency_key_returns_the_first_result_for_the_same_sale_only(merchant, shopper):
    tx, _ = record(merchant, shopper, external_id="a", idempotency_key="key-1")
    again, created = record(merchant, shopper, external_id="a", idempotency_key="key-1")
    assert not created and again.pk == tx.pk
    with pytest.raises(IdempotencyKeyReused):
        record(merchant, shopper, external_id="b", idempotency_key="key-1")
    assert PosTransaction.objects.count() == 1


def test_own_program_uses_merchant_account_min_spend_and_redemption_limits(shopper):
    program = ProgramFactory(points_per_unit=Decimal("0.05"), min_spend=Decimal("200"), max_redeem_percent=50)
    merchant = program.merchant
    small, _ = record(merchant, shopper, external_id="s", amount="150.00")
    assert small.points_earned == 0
    tx, _ = record(merchant, shopper, external_id="b", amount="1000.00")
    assert tx.points_earned == 50 and tx.account.merchant == merchant
    assert not Account.objects.filter(customer=shopper, merchant__isnull=True, balance__gt=0).exists()
    give_points(shopper, 1000, merchant=merchant)
    with pytest.raises(InvalidPoints):
        record(merchant, shopper, external_id="c", amount="100.00", points_to_redeem=60)
    paid, _ = record(merchant, shopper, external_id="d", amount="100.00", points_to_redeem=50)
    assert paid.points_redeemed == 50 and paid.discount == Decimal("50.00") and paid.points_earned == 0


def test_program_outside_its_dates_falls_back_to_the_coalition(shopper):
    program = ProgramFactory(ends_on=timezone.localdate() - datetime.timedelta(days=1))
    tx, _ = record(program.merchant, shopper)
    assert tx.account.merchant is None


def test_partial_refund_then_void_and_refund_limits(merchant, shopper):
    give_points(shopper, 30)
    tx, _ = record(merchant, shopper, points_to_redeem=30)  # pays 970, earns 97
    account = Account.objects.get(customer=shopper, merchant__isnull=True)
    assert account.balance == 97
    services.pos_transaction_refund(pos_transaction=tx, amount=Decimal("500.00"))
    account.refresh_from_db()
    assert account.balance == 97 - 48
    with pytest.raises(RefundTooLarge):
        services.pos_transaction_refund(pos_transaction=tx, amount=Decimal("600.00"))
    services.pos_transaction_refund(pos_transaction=tx)
    account.refresh_from_db()
    assert account.balance == 30, "all earned points taken back, spent points given back"
    with pytest.raises(TransactionNotRefundable):
        services.pos_transaction_void(pos_transaction=tx)
    assert services.ledger_mismatches() == []


def test_void_takes_back_everything(merchant, shopper):
    tx, _ = record(merchant, shopper)
    services.pos_transaction_void(pos_transaction=tx, reason="wrong till")
    tx.refresh_from_db()
    assert tx.status == PosTransaction.Status.VOIDED
    assert Account.objects.get(customer=shopper, merchant__isnull=True).balance == 0


def test_pos_points_redeem_is_idempotent_per_reference(merchant, shopper):
    give_points(shopper, 100)
    entry, value = services.pos_points_redeem(merchant=merchant, customer=shopper, points=40, reference="gift-1")
    again, _ = services.pos_points_redeem(merchant=merchant, customer=shopper, points=40, reference="gift-1")
    assert again.pk == entry.pk and value == Decimal("40.00")
    assert Account.objects.get(customer=shopper).balance == 60


# --- coupons and chains -------------------------------------------------------------------


def test_coupon_window_owner_merchant_and_minimum(merchant, other_merchant, shopper):
    now = timezone.now()
    cases = {
        "not_started": CouponFactory(valid_from=now + datetime.timedelta(days=1)),
        "expired": CouponFactory(
            valid_from=now - datetime.timedelta(days=3), valid_until=now - datetime.timedelta(days=1)
        ),
        "other_customer": CouponFactory(customer=UserFactory()),
        "other_merchant": CouponFactory(merchant=other_merchant),
        "min_purchase": CouponFactory(min_purchase=Decimal("5000")),
        "inactive": CouponFactory(is_active=False),
    }
    for reason, coupon in cases.items():
        with pytest.raises(CouponNotValid) as exc:
            services.coupon_validate(code=coupon.code, customer=shopper, merchant=merchant, amount=Decimal("100"))
        assert exc.value.details["reason"] == reason


def test_coupon_kinds_and_limits(merchant, shopper):
    percent = CouponFactory(value=Decimal("15"), max_uses_per_customer=1)
    _coupon, discount = services.coupon_validate(
        code=percent.code.lower(), customer=shopper, merchant=merchant, amount=Decimal("200")
    )
    assert discount == Decimal("30.00")
    services.coupon_redeem(code=percent.code, customer=shopper, merchant=merchant, amount=Decimal("200"))
    with pytest.raises(CouponLimitPerCustomer):
        services.coupon_redeem(code=percent.code, customer=shopper, merchant=merchant, amount=Decimal("200"))
    fixed = CouponFactory(kind=Coupon.Kind.FIXED, value=Decimal("500"), max_uses=1, max_uses_per_customer=5)
    assert fixed.discount_on(Decimal("300")) == Decimal("300")
    services.coupon_redeem(code=fixed.code, customer=shopper, merchant=merchant, amount=Decimal("300"))
    with pytest.raises(CouponExhausted):
        services.coupon_redeem(code=fixed.code, customer=UserFactory(), merchant=merchant, amount=Decimal("300"))


def test_cross_promo_issues_a_coupon_for_b_and_counts_the_conversion(shopper):
    promo = PromoFactory(min_purchase=Decimal("500"), coupon_value=Decimal("100"))
    record(promo.source_merchant, shopper, external_id="small", amount="100.00")
    assert not Coupon.objects.exists()
    tx, _ = record(promo.source_merchant, shopper, external_id="big", amount="800.00")
    coupon = Coupon.objects.get(promo=promo)
    assert coupon.customer == shopper and coupon.merchant == promo.target_merchant
    record(promo.target_merchant, shopper, external_id="at-b", amount="400.00", coupon_code=coupon.code)
    promo.refresh_from_db()
    assert (promo.issued_count, promo.converted_count) == (1, 1)


def test_coupon_in_a_transaction_is_all_or_nothing(merchant, shopper):
    coupon = CouponFactory(merchant=MerchantFactory())
    with pytest.raises(CouponNotValid):
        record(merchant, shopper, coupon_code=coupon.code)
    assert not PosTransaction.objects.exists() and not LedgerEntry.objects.exists()


# --- scans and fraud ----------------------------------------------------------------------


def test_scan_by_qr_or_code_is_logged(merchant, shopper):
    payload = services.card_code_for(shopper).payload
    assert (
        services.customer_scan(merchant=merchant, payload=payload, ip_address="10.0.0.1", user_agent="POS/1") == shopper
    )
    assert services.customer_scan(merchant=merchant, payload=shopper.customer_code.lower(), entry="manual") == shopper
    with pytest.raises(CardCodeInvalid):
        services.customer_scan(merchant=merchant, payload=payload[:-2] + "00")
    with pytest.raises(CustomerNotFound):
        services.customer_scan(merchant=merchant, payload="NOSUCHCODE", entry="manual")
    results = list(ScanLog.objects.order_by("id").values_list("result", flat=True))
    assert results == ["found", "found", "forged", "unknown"]
    first = ScanLog.objects.order_by("id").first()
    assert (first.ip_address, first.user_agent, first.customer) == ("10.0.0.1", "POS/1", shopper)


def test_burst_of_scans_at_many_merchants_raises_one_flag(shopper):
    merchants = [MerchantFactory() for _ in range(4)]
    for m in merchants[:2]:
        services.customer_scan(merchant=m, payload=card_code(shopper))
    assert not FraudFlag.objects.exists()
    for m in merchants[2:]:
        services.customer_scan(merchant=m, payload=card_code(shopper))
    flag = FraudFlag.objects.get()
    assert flag.rule == "scan_burst" and len(flag.details["merchants"]) >= 3


# --- CRM import ---------------------------------------------------------------------------


def test_import_reports_row_errors_and_is_idempotent(merchant, shopper, django_capture_on_commit_callbacks):
    rows = [
        {"external_id": "crm-1", "customer_code": shopper.customer_code, "amount": "500.00"},
        {"external_id": "crm-2", "customer_code": "NOBODY", "amount": "10"},
        {"external_id": "crm-3", "customer_code": shopper.customer_code, "amount": "abc"},
        {"external_id": "crm-4", "phone": shopper.phone, "amount": "300", "occurred_at": "2025-01-05T10:00:00"},
    ]
    batch = services.import_batch_create(merchant=merchant, rows=rows)
    batch = services.import_batch_run(batch_id=batch.pk)
    assert (batch.status, batch.created_count, batch.error_count) == ("done", 2, 2)
    assert [(e["row"], e["code"]) for e in batch.errors] == [(1, "customer_not_found"), (2, "invalid_amount")]
    again = services.import_batch_create(merchant=merchant, rows=rows)
    again = services.import_batch_run(batch_id=again.pk)
    assert (again.created_count, again.duplicate_count) == (0, 2)
    assert PosTransaction.objects.filter(source="import").count() == 2
    assert services.import_batch_run(batch_id=batch.pk).created_count == 2, "a finished batch is left alone"


def test_mixed_batch_reports_each_row_and_keeps_ledger_equal_to_balance(merchant, shopper):
    friend = UserFactory()
    record(merchant, shopper, external_id="crm-old", amount="200.00")
    rows = [
        {"external_id": "crm-a", "customer_code": shopper.customer_code, "amount": "1000.00"},
        {"external_id": "crm-old", "customer_code": shopper.customer_code, "amount": "200.00"},
        {"external_id": "crm-b", "customer_code": "NOBODY", "amount": "10"},
        {"external_id": "crm-c", "customer_code": shopper.customer_code, "amount": "12.345"},
        {
            "external_id": "crm-d",
            "phone": friend.phone,
            "amount": "500",
            "lines": [{"sku": "S", "name": "Soup", "quantity": 2, "unit_price": "250"}],
        },
        {"external_id": "crm-e", "customer_code": shopper.customer_code, "amount": "300.00"},
    ]
    batch = services.import_batch_run(batch_id=services.import_batch_create(merchant=merchant, rows=rows).pk)
    assert (batch.status, batch.processed_rows, batch.created_count, batch.duplicate_count, batch.error_count) == (
        "done",
        6,
        3,
        1,
        2,
    )
    assert [(e["row"], e["code"]) for e in batch.errors] == [(2, "customer_not_found"), (3, "invalid_amount")]
    imported = PosTransaction.objects.filter(source="import").order_by("external_id")
    assert [(tx.external_id, tx.points_earned) for tx in imported] == [("crm-a", 100), ("crm-d", 50), ("crm-e", 30)]
    assert imported.get(external_id="crm-d").lines.get().total == Decimal("500.00")
    account = Account.objects.get(customer=shopper, merchant__isnull=True)
    entries = list(account.entries.order_by("pk").values_list("points", "balance_after"))
    assert entries == [(20, 20), (100, 120), (30, 150)]
    assert account.balance == 150 and account.lifetime_earned == 150 and account.tier_points == 150
    assert account.lots.count() == 3 and all(lot.expires_at > timezone.now() for lot in account.lots.all())
    assert services.ledger_mismatches() == []
    again = services.import_batch_run(batch_id=services.import_batch_create(merchant=merchant, rows=rows).pk)
    assert (again.created_count, again.duplicate_count, again.error_count) == (0, 4, 2)
    assert services.ledger_mismatches() == [] and Account.objects.get(pk=account.pk).balance == 150


def test_import_earns_like_single_sales_across_a_tier_change(merchant):
    imported, sold = UserFactory(), UserFactory()
    amounts = ["9000.00", "2000.00", "1000.00"]
    rows = [
        {"external_id": f"t{i}", "customer_code": imported.customer_code, "amount": a} for i, a in enumerate(amounts)
    ]
    services.import_batch_run(batch_id=services.import_batch_create(merchant=merchant, rows=rows).pk)
    for i, amount in enumerate(amounts):
        record(merchant, sold, external_id=f"s{i}", amount=amount)

    def state(customer):
        account = Account.objects.get(customer=customer, merchant__isnull=True)
        entries = list(account.entries.order_by("pk").values_list("points", "balance_after", "multiplier"))
        return entries, account.balance, account.tier_id, account.tier_points, account.tier_changes.count()

    assert state(imported) == state(sold)
    assert state(imported)[0][-1] == (150, 1250, Decimal("1.50"))
    assert services.ledger_mismatches() == []


def test_import_into_an_own_program_uses_its_rules(merchant, shopper):
    ProgramFactory(merchant=merchant, points_per_unit=Decimal("0.05"))
    rows = [{"external_id": "own-1", "customer_code": shopper.customer_code, "amount": "1000"}]
    batch = services.import_batch_run(batch_id=services.import_batch_create(merchant=merchant, rows=rows).pk)
    assert batch.created_count == 1
    account = Account.objects.get(customer=shopper, merchant=merchant)
    assert account.balance == 50 and PosTransaction.objects.get().account == account
    assert services.ledger_mismatches() == []


def test_malformed_batch_writes_nothing(merchant):
    with pytest.raises(services.InvalidBatch):
        services.import_batch_create(merchant=merchant, rows={"not": "a list"})
    assert not ImportBatch.objects.exists()


# --- aggregates ---------------------------------------------------------------------------


def test_daily_aggregates_are_rebuilt_idempotently(merchant, shopper):
    record(merchant, shopper, external_id="1", amount="1000.00")
    record(merchant, shopper, external_id="2", amount="500.00")
    record(merchant, UserFactory(), external_id="3", amount="200.00")
    give_points(shopper, 50)
    services.pos_points_redeem(merchant=merchant, customer=shopper, points=20, reference="g")
    for _ in range(2):
        services.daily_aggregates_build()
    stats = MerchantDailyStats.objects.get()
    assert (stats.sales, stats.transactions, stats.customers, stats.new_customers) == (Decimal("1700.00"), 3, 2, 2)
    assert (stats.points_issued, stats.points_redeemed) == (170, 20)
    assert CustomerVisit.objects.get(customer=shopper).transactions == 2


def test_schedules_install_is_idempotent():
    from django_celery_beat.models import PeriodicTask

    services.schedules_install()
    services.schedules_install()
    assert PeriodicTask.objects.filter(name__startswith="loyalty:").count() == 4


def test_own_program_points_expire_after_the_programs_months(shopper):
    program = ProgramFactory(expiry_months=3)
    tx, _ = record(program.merchant, shopper)
    lot = LedgerEntry.objects.get(kind=Kind.EARNED).lot
    months = (lot.expires_at.year - tx.created_at.year) * 12 + lot.expires_at.month - tx.created_at.month
    assert months == 3


def test_refund_reversals_of_similar_external_ids_stay_apart(merchant, shopper):
    first, _ = record(merchant, shopper, external_id="a")
    second, _ = record(merchant, shopper, external_id="a:500.00")
    services.pos_transaction_refund(pos_transaction=second, amount=Decimal("500.00"))
    services.pos_transaction_refund(pos_transaction=first, amount=Decimal("500.00"))
    assert Account.objects.get(customer=shopper, merchant__isnull=True).balance == 200 - 50 - 50
