"""CRM batch imports: row errors, duplicates, resuming, the rules of a single sale, and
the raw PostgreSQL path writing exactly what ``bulk_create`` writes."""

import datetime
import gc
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from loyalty import services
from loyalty.models import (
    Account,
    Coupon,
    CrossPromo,
    ImportBatch,
    LedgerEntry,
    PointLot,
    PosTransaction,
    PosTransactionLine,
    Referral,
    TierChange,
)
from loyalty.services import imports
from loyalty.services.earning import qualifying_points
from loyalty.services.imports import chunks, points, sql, writes
from skypark.accounts.tests.factories import MerchantFactory, UserFactory
from skypark.audit.models import AuditEntry
from skypark.core.testing import run_together
from skypark.webhooks.models import WebhookDelivery
from skypark.webhooks.tests.factories import EndpointFactory

from .factories import ProgramFactory, PromoFactory, give_points

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the raw SQL path is PostgreSQL's")


def run(merchant, rows):
    return services.import_batch_run(batch_id=services.import_batch_create(merchant=merchant, rows=rows).pk)


def row(external_id, customer, amount="450.00", **extra):
    return {"external_id": external_id, "customer_code": customer.customer_code, "amount": amount, **extra}


@pytest.mark.parametrize("chunk_rows", [2, 5000])
def test_duplicates_inside_the_batch_and_against_existing_rows(merchant, shopper, monkeypatch, chunk_rows):
    monkeypatch.setattr(imports, "CHUNK_ROWS", chunk_rows)
    friend = UserFactory()
    services.pos_transaction_record(merchant=merchant, customer=shopper, external_id="old-1", amount=Decimal("200"))
    rows = [
        row("new-1", shopper, "300.00"),
        row("new-1", shopper, "300"),  # the same sale again in the batch
        row("new-1", shopper, "301.00"),  # the id again for another amount
        row("old-1", shopper, "200.00"),  # sold at the till before
        row("old-1", friend, "200.00"),  # that id for another customer
        row("new-2", friend, "500.00"),
    ]
    batch = run(merchant, rows)
    assert (batch.status, batch.processed_rows) == ("done", 6)
    assert (batch.created_count, batch.duplicate_count, batch.error_count) == (2, 2, 2)
    assert [(e["row"], e["code"]) for e in batch.errors] == [(2, "external_id_conflict"), (4, "external_id_conflict")]
    assert sorted(PosTransaction.objects.filter(merchant=merchant).values_list("external_id", flat=True)) == [
        "new-1",
        "new-2",
        "old-1",
    ]
    assert LedgerEntry.objects.filter(reference=f"{merchant.pk}:new-1").count() == 1
    assert services.ledger_mismatches() == []
    again = run(merchant, rows)
    assert (again.created_count, again.duplicate_count, again.error_count) == (0, 4, 2)
    assert PosTransaction.objects.filter(merchant=merchant).count() == 3
    assert Account.objects.get(customer=shopper, merchant__isnull=True).balance == 20 + 30
    assert services.ledger_mismatches() == []


class Killed(BaseException):
    """The worker process dying mid-batch."""


def test_a_run_killed_after_a_chunk_resumes_where_it_stopped(merchant, shopper, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    rows = [row(f"k{i}", shopper, "100.00") for i in range(5)] + [row("bad", shopper, "x")]
    batch = services.import_batch_create(merchant=merchant, rows=rows)
    calls = []

    def first_chunk_then_die(*args):
        if calls:
            raise Killed()
        calls.append(1)
        return chunks.chunk_run(*args)

    monkeypatch.setattr(imports, "chunk_run", first_chunk_then_die)
    with pytest.raises(Killed):
        services.import_batch_run(batch_id=batch.pk)
    assert gc.isenabled()
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_count) == ("running", 2, 2)
    monkeypatch.setattr(imports, "chunk_run", chunks.chunk_run)
    batch = services.import_batch_run(batch_id=batch.pk)
    assert (batch.status, batch.processed_rows, batch.created_count, batch.duplicate_count) == ("done", 6, 5, 0)
    assert [(e["row"], e["code"]) for e in batch.errors] == [(5, "invalid_amount")]
    assert PosTransaction.objects.filter(merchant=merchant).count() == 5
    assert Account.objects.get(customer=shopper, merchant__isnull=True).balance == 50
    assert services.ledger_mismatches() == []


def test_rows_out_of_range_are_reported_and_the_others_imported(merchant, shopper):
    rows = [
        row("r0", shopper, lines=[{"name": "Crate", "quantity": "10000000", "unit_price": "1"}]),
        row("r1", shopper, lines=[{"name": "Gold", "quantity": "1", "unit_price": "10000000000"}]),
        row("r2", shopper, occurred_at="2025-13-40T10:00:00"),
        row("r3", shopper, occurred_at="2025-01-05T10:00:00"),
    ]
    batch = run(merchant, rows)
    assert [(e["row"], e["code"]) for e in batch.errors] == [
        (0, "invalid_lines"),
        (1, "invalid_lines"),
        (2, "invalid_occurred_at"),
    ]
    assert list(PosTransaction.objects.values_list("external_id", flat=True)) == ["r3"]


def test_tier_points_are_recounted_like_tier_recalculate_after_a_sale(merchant, shopper):
    """Refund reversals in the window can outweigh the earnings still in it; the floor at
    0 applies after the import's points are added, not before."""
    bonus = give_points(shopper, 500)
    LedgerEntry.objects.filter(pk=bonus.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    account = Account.objects.get(customer=shopper, merchant__isnull=True)
    with transaction.atomic():
        from loyalty.services.ledger import _debit, account_lock

        _debit(account_lock(account), kind=LedgerEntry.Kind.REVERSED, points=200, source="refund", reference="r")
    run(merchant, [row("q1", shopper, "1000.00")])
    account.refresh_from_db()
    assert account.balance == 500 - 200 + 100
    assert account.tier_points == qualifying_points(account) == 0
    assert services.ledger_mismatches() == []


# --- the raw PostgreSQL path --------------------------------------------------------------


@postgres_only
def test_array_literals_carry_any_text_through_unnest():
    texts = ["plain", "", "NULL", None, 'a "quoted" word', "back\\slash\\", "{braces}, commas", "ёжик 🦔", "two\nlines"]
    field = PosTransactionLine._meta.get_field("name")
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::text[])", [sql.array_literal(field, texts)])
        assert [value for (value,) in cursor.fetchall()] == texts


class Rollback(Exception):
    pass


def not_expected(*_args):
    raise AssertionError("the chunk went row by row")


SNAPSHOT = [
    Account,
    PosTransaction,
    PosTransactionLine,
    LedgerEntry,
    PointLot,
    TierChange,
    WebhookDelivery,
    Coupon,
    CrossPromo,
    Referral,
    ImportBatch,
    AuditEntry,
]


def snapshot():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT}


def sequences():
    """Where each table's id sequence stands, to put it back there."""
    with connection.cursor() as cursor:
        found = {}
        for model in SNAPSHOT:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            (name,) = cursor.fetchone()
            cursor.execute(f"SELECT last_value, is_called FROM {name}")
            found[name] = cursor.fetchone()
        return found


def sequences_restore(found):
    with connection.cursor() as cursor:
        for name, (value, is_called) in found.items():
            cursor.execute("SELECT setval(%s, %s, %s)", [name, value, is_called])


@postgres_only
def test_raw_sql_and_bulk_create_write_the_same_rows(merchant, monkeypatch):
    """One batch with everything a row can bring (coalition and own-program sales, tier
    changes, webhooks, cross-promo coupons, a pending referral, lines with awkward text,
    duplicates and errors) imported twice from the same state: the rows are identical,
    ids included."""
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 4)
    monkeypatch.setattr(chunks, "_row_by_row", not_expected)
    ProgramFactory(
        merchant=merchant,
        points_per_unit=Decimal("0.05"),
        min_spend=Decimal("300"),
        expiry_months=6,
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
    )
    EndpointFactory(merchant=merchant)
    PromoFactory(source_merchant=merchant, min_purchase=Decimal("400"))
    customers = [UserFactory(phone_verified=True) for _ in range(3)]
    # Referral bonuses wait for both customers' confirmed phones; these are confirmed.
    Referral.objects.create(referrer=UserFactory(phone_verified=True), referred=customers[2])
    services.pos_transaction_record(merchant=merchant, customer=customers[0], external_id="till-1", amount=Decimal(99))
    before = (now - datetime.timedelta(days=20)).isoformat()
    lines = [
        {"sku": "A,1", "name": 'Tea "green" {big}', "quantity": "1.5", "unit_price": "100"},
        {"sku": "", "name": "back\\slash, ёжик", "quantity": 2, "unit_price": "50.005"},
    ]
    rows = [
        row("c1", customers[0], "9000.00", occurred_at=before, lines=lines),
        row("c2", customers[0], "2000.00", occurred_at=before),
        row("c3", customers[1], "450.00", occurred_at=before),
        row("till-1", customers[0], "99.00"),
        row("o1", customers[0], "1000.00"),
        row("o2", customers[1], "200.00"),
        row("o3", customers[2], "450.00", lines=lines),
        row("c1", customers[0], "9000.00", occurred_at=before),
        row("c1", customers[1], "9000.00", occurred_at=before),
        {"external_id": "x", "customer_code": "NOBODY", "amount": "1"},
        row("c4", customers[2], "60000.00", occurred_at=before),
    ]
    batch = services.import_batch_create(merchant=merchant, rows=rows)
    positions = sequences()
    with pytest.raises(Rollback), transaction.atomic():
        services.import_batch_run(batch_id=batch.pk)
        raw = snapshot()
        raise Rollback()
    sequences_restore(positions)
    monkeypatch.setattr(sql, "set_based", lambda: False)
    services.import_batch_run(batch_id=batch.pk)
    assert snapshot() == raw
    done = ImportBatch.objects.get(pk=batch.pk)
    assert (done.created_count, done.duplicate_count, done.error_count) == (7, 2, 2)
    assert TierChange.objects.filter(to_tier__code="vip").exists()
    assert WebhookDelivery.objects.count() == 6  # one per sale that earned points
    assert Coupon.objects.filter(promo__isnull=False).count() == 6
    assert Referral.objects.get().status == Referral.Status.REWARDED
    assert services.ledger_mismatches() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_id_another_run_imported_meanwhile_is_a_duplicate(monkeypatch):
    """The database catches the id (``ON CONFLICT``) after this run looked for it; the
    chunk runs again and finds it."""
    merchant, customer, other = MerchantFactory(), UserFactory(), UserFactory()
    elsewhere = services.account_get_or_create(customer=other)
    plan = points.points_plan

    def meanwhile(*args, **kwargs):
        if not getattr(meanwhile, "done", False):
            meanwhile.done = True
            # Committed by another connection while this chunk holds its account locks.
            _results, errors = run_together([lambda: till_sale(merchant, customer, elsewhere)])
            assert errors == []
        return plan(*args, **kwargs)

    monkeypatch.setattr(points, "points_plan", meanwhile)
    monkeypatch.setattr(chunks, "_row_by_row", not_expected)
    batch = run(merchant, [row("m1", customer, "100.00"), row("m2", customer, "200.00"), row("m3", customer)])
    assert (batch.created_count, batch.duplicate_count, batch.error_count) == (2, 1, 0)
    assert PosTransaction.objects.get(external_id="m2").source == "pos"
    assert not LedgerEntry.objects.filter(reference=f"{merchant.pk}:m2").exists()
    assert Account.objects.get(customer=customer).balance == 10 + 45
    assert services.ledger_mismatches() == []


def till_sale(merchant, customer, account):
    return PosTransaction.objects.create(
        merchant=merchant,
        customer=customer,
        account=account,
        external_id="m2",
        amount=Decimal("200.00"),
        occurred_at=timezone.now(),
    )


@postgres_only
def test_a_row_the_database_refuses_is_reported_and_the_chunk_imported_row_by_row(merchant, shopper):
    """A row that passes every check in Python but that the database refuses (here a
    CHECK added for the test, rolled back with it): the set-based insert fails, and row
    by row only that row does."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE loyalty_postransaction ADD CONSTRAINT test_refuse CHECK (external_id <> 'refuse-me')"
        )
    rows = [row("ok-1", shopper), row("refuse-me", shopper), row("ok-2", shopper)]
    batch = run(merchant, rows)
    assert (batch.created_count, batch.error_count) == (2, 1)
    assert [(e["row"], e["code"]) for e in batch.errors] == [(1, "invalid_row")]
    assert Account.objects.get(customer=shopper, merchant__isnull=True).balance == 90
    assert services.ledger_mismatches() == []


def test_the_longest_external_id_is_imported(merchant, shopper):
    batch = run(merchant, [row("x" * 100, shopper)])
    assert (batch.created_count, batch.error_count) == (1, 0)
    assert services.ledger_mismatches() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_points_follow_a_write_to_the_account_between_the_claim_and_the_lock(monkeypatch):
    """The transactions are claimed with points worked out before the accounts are
    locked; a bonus that lands in between lifts the tier, and the points are those of
    the account as locked."""
    merchant, customer = MerchantFactory(), UserFactory()
    services.account_get_or_create(customer=customer)
    claim = writes.transactions_insert

    def meanwhile(*args, **kwargs):
        if not getattr(meanwhile, "done", False):
            meanwhile.done = True
            _results, errors = run_together([lambda: give_points(customer, 5000)])
            assert errors == []
        return claim(*args, **kwargs)

    monkeypatch.setattr(writes, "transactions_insert", meanwhile)
    monkeypatch.setattr(chunks, "_row_by_row", not_expected)
    batch = run(merchant, [row("b1", customer, "450.00"), row("b2", customer, "450.00")])
    assert (batch.created_count, batch.error_count) == (2, 0)
    assert list(PosTransaction.objects.order_by("external_id").values_list("points_earned", flat=True)) == [45, 90]
    account = Account.objects.get(customer=customer)
    assert (account.balance, account.tier.code) == (5000 + 45 + 90, "vip")
    assert account.tier_points == qualifying_points(account) == 5135
    assert services.ledger_mismatches() == []
