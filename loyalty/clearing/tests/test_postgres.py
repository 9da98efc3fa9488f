"""The database itself refuses an unbalanced journal entry, and the journal balances
per period under concurrent sales and redemptions at several partners (PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum

from loyalty import services as loyalty
from loyalty.clearing import services
from loyalty.clearing.models import JournalEntry, Posting, SettlementPeriod
from loyalty.models import LedgerEntry
from loyalty.tests.factories import give_points
from skypark.accounts.tests.factories import MerchantFactory, UserFactory
from skypark.core.testing import run_together

from .conftest import cents, coalition_make, later

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's constraint triggers"),
]


def _immediately():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_the_database_refuses_an_unbalanced_entry():
    coalition = coalition_make()
    entry = JournalEntry.objects.create(coalition=coalition, kind="adjust", occurred_at="2026-12-01T10:00:00Z")
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic():
            Posting.objects.create(entry=entry, role="spread", amount=Decimal("1.00"), currency="KGS")
            _immediately()


@pytest.mark.django_db
def test_legs_written_one_by_one_balance_at_commit_and_a_later_edit_is_refused():
    coalition = coalition_make()
    entry = JournalEntry.objects.create(coalition=coalition, kind="adjust", occurred_at="2026-12-01T10:00:00Z")
    with transaction.atomic():
        Posting.objects.create(entry=entry, role="spread", amount=Decimal("1.00"), currency="KGS")
        Posting.objects.create(entry=entry, role="liability", amount=Decimal("-1.00"), currency="KGS")
        _immediately()
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Posting.objects.filter(entry=entry, role="spread").update(amount=Decimal("2.00"))
            _immediately()
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Posting.objects.filter(entry=entry, role="spread").delete()
            _immediately()
    # Two currencies in one entry must each balance.
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Posting.objects.create(entry=entry, role="spread", amount=Decimal("5.00"), currency="USD")
            Posting.objects.create(entry=entry, role="liability", amount=Decimal("-5.00"), currency="KGS")
            _immediately()


@pytest.mark.django_db(transaction=True)
def test_the_journal_balances_per_period_under_50_concurrent_sales_and_redemptions():
    coalition_make()
    partners = [MerchantFactory() for _ in range(4)]
    customers = [UserFactory() for _ in range(10)]
    for customer in customers:
        give_points(customer, 200)

    def job(i):
        customer, merchant = customers[i % 10], partners[i % 4]
        if i % 2:
            return lambda: loyalty.pos_points_redeem(merchant=merchant, customer=customer, points=15, reference=f"r{i}")
        return lambda: loyalty.pos_transaction_record(
            merchant=merchant,
            customer=customer,
            external_id=f"t{i}",
            amount=Decimal("500.00"),
            points_to_redeem=10 if i % 4 == 0 else 0,
        )

    jobs = [job(i) for i in range(50)]
    # A period closes while the sales run: what commits after it lands in the next one.
    jobs.insert(25, lambda: services.periods_close_due(now=later(7)))
    results, errors = run_together(jobs, threads=25)
    assert errors == []
    services.periods_close_due(now=later(14))

    coalition_ledger = LedgerEntry.objects.filter(account__merchant__isnull=True)
    assert JournalEntry.objects.filter(ledger_entry__isnull=False).count() == coalition_ledger.count() == 10 + 50 + 13
    assert not JournalEntry.objects.filter(period__isnull=True).exists()
    unbalanced = Posting.objects.values("entry_id").annotate(s=Sum("amount")).exclude(s=0)
    assert not unbalanced.exists()
    for period in SettlementPeriod.objects.annotate(n=Count("statements")):
        assert period.n >= 1
        assert cents(period.statements.aggregate(s=Sum("net"))["s"]) == 0
        assert cents(Posting.objects.filter(entry__period=period).aggregate(s=Sum("amount"))["s"]) == 0
    assert services.reconcile() == []
    assert loyalty.ledger_mismatches() == []
