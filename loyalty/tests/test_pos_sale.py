"""What one partner sale costs and the rules its short path keeps: one database transaction
of a fixed list of statements, the tier moving with the points, a pending referral found
with the account, and the caches it reads dropped when their rows change."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from loyalty import services
from loyalty.api.serializers import TransactionOutput, transaction_data
from loyalty.models import Account, Coupon, LedgerEntry, PosTransaction, Referral, Tier, TierChange
from skypark.accounts.tests.factories import UserFactory, issue_key
from skypark.audit.models import AuditEntry

from .factories import CouponFactory, PromoFactory, card_code, give_points

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = re.compile(r"^(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN|COMMIT|ROLLBACK)\b")
# The table a statement is about: a SELECT's first column is qualified by it.
STATEMENT = re.compile(
    r'^(?:(SELECT) "(\w+)"\.|(SELECT) .*? FROM "(\w+)"|(INSERT)(?: OR IGNORE)? INTO "(\w+)"|(UPDATE) "(\w+)")', re.S
)


INSERTED = re.compile(r'INSERT INTO "(\w+)"')


def statements(captured) -> tuple[list[str], int]:
    """``["SELECT loyalty_account", ...]`` without transaction control, and how many
    transactions (here savepoints: the test runs inside one) were opened. Rows inserted
    together in one statement (``WITH … INSERT``) are ``"INSERT a+b"``."""
    found, opened = [], 0
    for query in captured.captured_queries:
        sql = query["sql"].strip()
        if TRANSACTION_CONTROL.match(sql):
            opened += sql.startswith(("SAVEPOINT", "BEGIN"))
            continue
        if sql.startswith("WITH"):
            found.append("INSERT " + "+".join(INSERTED.findall(sql)))
            continue
        verb, table = (part for part in STATEMENT.match(sql).groups() if part)
        found.append(f"{verb} {table}")
    return found, opened


def together(*tables) -> list[str]:
    """Inserts that PostgreSQL makes in one statement and other databases one by one."""
    if connection.vendor == "postgresql":
        return ["INSERT " + "+".join(tables)]
    return [f"INSERT {table}" for table in tables]


@pytest.fixture
def till(merchant):
    _key, plaintext = issue_key(merchant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


def sale(till, customer, external_id, amount="1000.00", code=None):
    return till.post(
        reverse("api:partner-transactions"),
        {
            "external_id": external_id,
            "customer_code": code or card_code(customer),
            "amount": amount,
            "lines": [{"sku": "LATTE", "name": "Latte", "quantity": "2", "unit_price": str(Decimal(amount) / 2)}],
        },
        format="json",
    )


REQUEST = [
    "SELECT accounts_merchantapikey",  # with the merchant and its programme (or that it has none)
    "SELECT accounts_user",  # with the card secret
    # Every card presented is logged, on its own; the burst rule reads the card's recent
    # merchants in the same statement on PostgreSQL.
    *(
        ["INSERT loyalty_scanlog"]
        if connection.vendor == "postgresql"
        else ["INSERT loyalty_scanlog", "SELECT loyalty_scanlog"]
    ),
]
LOCK = ["SELECT loyalty_account"]  # FOR UPDATE, with whether a referral is pending
# The row (points_earned already set: no UPDATE follows) and its lines.
ROW = together("loyalty_postransaction", "loyalty_postransactionline")
EARN = [
    "UPDATE loyalty_account",  # balance, lifetime and tier points in one statement
    *together("loyalty_ledgerentry", "loyalty_pointlot"),
]
TAIL = [
    # Upserts: the customer's totals at the merchant, then across the network.
    *together("loyalty_customertotals", "loyalty_customertotals"),
    "SELECT loyalty_postransaction",  # the velocity fraud rules (customer and till)
]
SALE = [*LOCK, *ROW, *EARN, *TAIL]


def test_a_regular_sale_is_its_card_check_and_a_few_statements_in_one_transaction(till, shopper):
    assert sale(till, shopper, "warm-up").status_code == 201
    code = card_code(shopper)
    with CaptureQueriesContext(connection) as captured:
        response = sale(till, shopper, "till-1", code=code)
    assert response.status_code == 201
    found, transactions = statements(captured)
    assert found == [*REQUEST, *SALE, "INSERT audit_auditentry"]
    assert transactions == 1
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in next(q["sql"] for q in captured.captured_queries if '"loyalty_account"' in q["sql"])


def test_a_cleared_sale_with_an_offer_takes_its_budget_last_and_posts_two_entries(
    till, merchant, other_merchant, shopper
):
    from loyalty.clearing.models import JournalEntry
    from loyalty.clearing.tests.conftest import coalition_make
    from loyalty.offers.models import OfferApplication

    from .test_offers import _offer

    coalition_make()
    offer = _offer(
        merchant,
        partner=other_merchant,
        issuer_share=Decimal("60"),
        partner_share=Decimal("30"),
        operator_share=Decimal("10"),
        budget_amount=Decimal("1000"),
    )
    assert sale(till, shopper, "warm-up").status_code == 201
    code = card_code(shopper)
    with CaptureQueriesContext(connection) as captured:
        response = sale(till, shopper, "till-1", code=code)
    assert response.status_code == 201 and response.json()["discount"] == "100.00"
    found, transactions = statements(captured)
    assert found == [
        *REQUEST,
        *LOCK,
        *ROW,  # with its discount and the points on what is left: no UPDATE follows
        "INSERT loyalty_offerapplication",
        *together("clearing_journalentry", "clearing_posting"),  # the discount's funding
        *EARN,
        *together("clearing_journalentry", "clearing_posting"),  # the points issued
        *TAIL,
        "INSERT audit_auditentry",
        "UPDATE loyalty_offer",  # the budget, taken last: its row stays locked only until the commit
    ]
    assert transactions == 1
    tx = PosTransaction.objects.get(external_id="till-1")
    assert (tx.discount, tx.points_earned) == (Decimal("100.00"), 90)
    application = OfferApplication.objects.get(transaction=tx)
    entry = JournalEntry.objects.get(kind="offer", reference=f"offer:{application.pk}")
    assert sorted(p.amount for p in entry.postings.all()) == [
        Decimal("-60.00"),
        Decimal("-30.00"),
        Decimal("-10.00"),
        Decimal("100.00"),
    ]
    earned = JournalEntry.objects.get(kind="earn", ledger_entry__reference=f"{merchant.pk}:till-1")
    assert earned.points == 90 and sum(p.amount for p in earned.postings.all()) == 0
    offer.refresh_from_db()
    assert (offer.spent_amount, offer.redemptions) == (Decimal("200.00"), 2)


def test_the_response_is_rendered_from_the_sale_as_the_detail_reads_it(till, shopper):
    created = sale(till, shopper, "till-1")
    detail = till.get(reverse("api:partner-transaction-detail", args=["till-1"]))
    assert created.status_code == 201 and created.json() == detail.json()
    assert created.json()["lines"] == [
        {"sku": "LATTE", "name": "Latte", "quantity": "2.000", "unit_price": "500.00", "total": "1000.00"}
    ]


def test_the_shared_renderer_gives_what_a_fresh_serializer_gives(till, shopper):
    give_points(shopper, 500)
    CouponFactory(code="TENOFF")
    body = {
        "external_id": "till-1",
        "customer_code": card_code(shopper),
        "amount": "1250.00",
        "points_to_redeem": 50,
        "coupon_code": "TENOFF",
        "lines": [
            {"sku": "LATTE", "name": "Latte", "quantity": "2", "unit_price": "350.00"},
            {"name": "Honey cake", "quantity": "1.5", "unit_price": "366.67"},
        ],
    }
    created = till.post(reverse("api:partner-transactions"), body, format="json")
    assert created.status_code == 201
    assert (created.json()["coupon_code"], created.json()["points_redeemed"]) == ("TENOFF", 50)
    tx = PosTransaction.objects.select_related("customer").get(external_id="till-1")
    assert created.json() == json.loads(JSONRenderer().render(TransactionOutput(tx).data))
    assert transaction_data(tx) == TransactionOutput(tx).data
    assert created.json() == till.get(reverse("api:partner-transactions")).json()["results"][0]


def test_a_retry_reads_the_first_sale_back_and_writes_nothing(till, shopper):
    first = sale(till, shopper, "till-1")
    code = card_code(shopper)
    with CaptureQueriesContext(connection) as captured:
        retry = sale(till, shopper, "till-1", code=code)
    assert retry.status_code == 200 and retry.json() == first.json()
    found, _transactions = statements(captured)
    assert found == [
        *REQUEST,
        *LOCK,
        ROW[0],  # the insert fails on the unique constraint and rolls back
        "SELECT loyalty_postransaction",
        "SELECT loyalty_postransactionline",
    ]


def test_a_first_sale_creates_the_account_and_logs_its_first_tier(till, shopper):
    sale(till, UserFactory(), "warm-up")
    code = card_code(shopper)
    with CaptureQueriesContext(connection) as captured:
        assert sale(till, shopper, "till-1", code=code).status_code == 201
    found, transactions = statements(captured)
    assert found == [
        *REQUEST,
        *LOCK,
        "INSERT loyalty_account",  # ON CONFLICT DO NOTHING, then locked
        "SELECT loyalty_account",
        *ROW,
        *EARN,
        "INSERT loyalty_tierchange",
        "INSERT audit_auditentry",
        *TAIL,
        "INSERT audit_auditentry",
    ]
    assert transactions == 1
    account = Account.objects.get(customer=shopper)
    assert (account.tier.code, account.tier_points) == ("beginner", 100)


# --- the tier follows the points of each sale; the nightly pass recounts ------------------


def coalition(customer):
    return Account.objects.select_related("tier").get(customer=customer, merchant__isnull=True)


def record(merchant, customer, external_id, amount):
    tx, _created = services.pos_transaction_record(
        merchant=merchant, customer=customer, external_id=external_id, amount=Decimal(amount)
    )
    return tx


def test_a_sale_that_crosses_a_threshold_moves_the_tier_in_its_own_transaction(merchant, shopper):
    record(merchant, shopper, "a", "9000.00")
    assert (coalition(shopper).tier.code, coalition(shopper).tier_points) == ("beginner", 900)
    record(merchant, shopper, "b", "2000.00")
    account = coalition(shopper)
    assert (account.tier.code, account.tier_points) == ("friend", 1100)
    assert account.tier_points == services.qualifying_points(account)
    change = TierChange.objects.get(to_tier__code="friend")
    assert change.is_upgrade and change.qualifying_points == 1100
    assert AuditEntry.objects.filter(action="loyalty.tier.upgraded").count() == 2
    assert record(merchant, shopper, "c", "1000.00").points_earned == 150, "the new tier's multiplier"


def test_points_that_age_out_are_taken_off_by_the_nightly_recount_not_by_a_sale(merchant, shopper):
    record(merchant, shopper, "a", "11000.00")
    assert coalition(shopper).tier.code == "friend"
    LedgerEntry.objects.filter(reference=f"{merchant.pk}:a").update(
        created_at=timezone.now() - datetime.timedelta(days=400)
    )
    record(merchant, shopper, "b", "100.00")
    account = coalition(shopper)
    assert (account.tier.code, account.tier_points) == ("friend", 1100 + 15), "a sale only adds"
    assert services.tiers_recalculate_all() == 0, "the grace period starts"
    assert coalition(shopper).tier.code == "friend"
    assert services.tiers_recalculate_all(now=timezone.now() + datetime.timedelta(days=31)) == 1
    account = coalition(shopper)
    assert (account.tier.code, account.tier_points) == ("beginner", 15)
    assert TierChange.objects.filter(from_tier__code="friend", to_tier__code="beginner", is_upgrade=False).exists()


# --- a pending referral is found with the account ------------------------------------------


def test_a_first_sale_rewards_a_pending_referral_once(merchant):
    referrer, friend = UserFactory(phone_verified=True), UserFactory(phone_verified=True)
    services.referral_register(referred=friend, code=services.referral_code_get(customer=referrer).code)
    record(merchant, friend, "a", "1000.00")
    record(merchant, friend, "b", "1000.00")
    assert Referral.objects.get().status == Referral.Status.REWARDED
    assert coalition(referrer).balance == 300
    assert coalition(friend).balance == 100 + 100 + 100, "two sales and the welcome bonus"


# --- what the sale caches is dropped when its rows change ---------------------------------


def test_a_chain_created_after_a_sale_issues_its_coupon_on_the_next(merchant, other_merchant, shopper):
    record(merchant, shopper, "before", "800.00")
    promo = PromoFactory(source_merchant=merchant, target_merchant=other_merchant, min_purchase=Decimal("500"))
    record(merchant, shopper, "after", "800.00")
    assert Coupon.objects.filter(promo=promo).count() == 1
    promo.is_active = False
    promo.save()
    record(merchant, shopper, "inactive", "800.00")
    assert Coupon.objects.filter(promo=promo).count() == 1


def test_a_tier_saved_after_a_sale_counts_on_the_next(merchant, shopper):
    record(merchant, shopper, "a", "1000.00")
    Tier.objects.create(code="starter", name="Starter", min_points=150, multiplier=Decimal("2.00"), order=1)
    record(merchant, shopper, "b", "1000.00")
    assert coalition(shopper).tier.code == "starter"
    assert record(merchant, shopper, "c", "1000.00").points_earned == 200


def test_the_longest_external_id_is_sold_and_refunded_in_two_parts(till, shopper):
    # The ledger's references carry the merchant and the refunded total around the id.
    external_id = "X" * 100
    assert sale(till, shopper, external_id).status_code == 201
    refund = reverse("api:partner-transaction-refund", kwargs={"external_id": external_id})
    assert till.post(refund, {"amount": "400.00", "reason": "returned"}, format="json").status_code == 200
    assert till.post(refund, {"reason": "returned"}, format="json").status_code == 200
    tx = PosTransaction.objects.get(external_id=external_id)
    assert tx.status == PosTransaction.Status.REFUNDED
    assert LedgerEntry.objects.filter(account=tx.account).count() == 3
    assert services.ledger_mismatches() == []
