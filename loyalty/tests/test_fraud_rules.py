"""Fraud rules beyond scan bursts: earning velocity per customer and per till, refund
abuse, many accounts on one device or card, spending right after earning at the same
till; held points and their review in the admin."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from loyalty import services
from loyalty.errors import FlagAlreadyReviewed, NotEnoughPoints
from loyalty.models import Account, FraudFlag, LedgerEntry, PointLot
from skypark.accounts.tests.factories import MembershipFactory, UserFactory
from skypark.audit.models import AuditEntry
from skypark.config.models import SystemSetting

from .factories import give_points

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_settings():
    from skypark.config import selectors

    selectors.invalidate()
    yield
    selectors.invalidate()


def setting(key, value):
    from skypark.config import selectors

    SystemSetting.objects.update_or_create(key=key, defaults={"value": value, "data_type": "number"})
    selectors.invalidate()


def sale(merchant, customer, external_id, amount="1000.00", **extra):
    tx, _created = services.pos_transaction_record(
        merchant=merchant, customer=customer, external_id=external_id, amount=Decimal(amount), **extra
    )
    return tx


def flags(rule):
    return FraudFlag.objects.filter(rule=rule)


# --- rules ------------------------------------------------------------------------------


def test_customer_earning_velocity_holds_the_points_of_the_sale_over_the_limit(merchant, shopper):
    setting("loyalty.fraud_velocity_customer_points", 250)
    sale(merchant, shopper, "a")
    sale(merchant, shopper, "b")
    assert not FraudFlag.objects.exists()
    third = sale(merchant, shopper, "c")
    flag = flags("customer_velocity").get()
    assert (flag.transaction, flag.merchant, flag.held_points) == (third, merchant, 100)
    account = Account.objects.get(customer=shopper)
    assert account.balance == 300 and services.held_points(account) == 100
    sale(merchant, shopper, "d")
    flag.refresh_from_db()
    assert flags("customer_velocity").count() == 1 and flag.held_points == 200, "one flag per window"
    assert AuditEntry.objects.filter(action="loyalty.fraud.flagged").count() == 1


def test_customer_sales_count_velocity(merchant, shopper):
    setting("loyalty.fraud_velocity_customer_sales", 2)
    for n in range(3):
        sale(merchant, shopper, f"s{n}", "10.00")
    assert flags("customer_velocity").get().details["sales"] == 3


def test_till_velocity_counts_one_till_across_customers(merchant):
    setting("loyalty.fraud_velocity_till_points", 150)
    first, second = UserFactory(), UserFactory()
    sale(merchant, first, "a", till_id="t1")
    sale(merchant, second, "b", till_id="t2")
    assert not FraudFlag.objects.exists()
    sale(merchant, second, "c", till_id="t1")
    flag = flags("till_velocity").get()
    assert flag.customer == second and flag.details["till"] == "t1" and flag.held_points == 100


@pytest.mark.parametrize(("field", "rule"), [("device_id", "shared_device"), ("card_fingerprint", "shared_card")])
def test_many_accounts_on_one_device_or_card_hold_the_next_ones_points(merchant, field, rule):
    setting("loyalty.fraud_shared_accounts", 2)
    people = [UserFactory() for _ in range(3)]
    for n, person in enumerate(people):
        sale(merchant, person, f"s{n}", **{field: "same-thing"})
    flag = flags(rule).get()
    assert flag.customer == people[2] and flag.held_points == 100 and flag.details["customers"] == 3
    sale(merchant, people[0], "again", **{field: "same-thing"})
    assert flags(rule).count() == 2
    sale(merchant, UserFactory(), "other", **{field: "another-thing"})
    assert flags(rule).count() == 2


def test_spending_right_after_earning_at_the_same_till_is_flagged(merchant, shopper):
    sale(merchant, shopper, "earn", till_id="t1")
    sale(merchant, shopper, "spend-elsewhere", "100.00", till_id="t2", points_to_redeem=10)
    assert not flags("redeem_after_earn").exists()
    sale(merchant, shopper, "spend", "100.00", till_id="t1", points_to_redeem=10)
    flag = flags("redeem_after_earn").get()
    assert flag.details["earned_in"] == "earn" and flag.held_points == 0


def test_spending_at_the_merchant_right_after_earning_there_is_flagged(merchant, shopper):
    sale(merchant, shopper, "earn")
    services.pos_points_redeem(merchant=merchant, customer=shopper, points=10, reference="gift")
    assert flags("redeem_after_earn").count() == 1


def test_refund_abuse(merchant, shopper):
    setting("loyalty.fraud_refunds", 2)
    for n in range(3):
        tx = sale(merchant, shopper, f"r{n}", "100.00")
        services.pos_transaction_refund(pos_transaction=tx)
    assert flags("refund_abuse").get().details["refunded"] == 3


def test_thresholds_at_their_defaults_leave_an_ordinary_customer_alone(merchant, shopper):
    for n in range(5):
        sale(merchant, shopper, f"s{n}", till_id="t1", device_id="phone", card_fingerprint="card")
    assert not FraudFlag.objects.exists()


# --- holds and their review ---------------------------------------------------------------


@pytest.fixture
def held(merchant, shopper):
    setting("loyalty.fraud_velocity_customer_points", 50)
    tx = sale(merchant, shopper, "big")
    return FraudFlag.objects.get(transaction=tx)


def test_held_points_cannot_be_spent(merchant, shopper, held):
    with pytest.raises(NotEnoughPoints):
        services.pos_points_redeem(merchant=merchant, customer=shopper, points=10, reference="r")
    give_points(shopper, 30)
    services.pos_points_redeem(merchant=merchant, customer=shopper, points=30, reference="r2")
    lot = PointLot.objects.get(hold=held)
    assert lot.remaining == 100
    assert Account.objects.get(customer=shopper).balance == 100
    assert services.ledger_mismatches() == []


def test_releasing_a_flag_makes_its_points_spendable_and_is_audited(merchant, shopper, held):
    staff = UserFactory(is_staff=True)
    services.fraud_flag_release(flag=held, actor=staff, note="known regular")
    held.refresh_from_db()
    assert (held.status, held.reviewed_by, held.review_note) == ("dismissed", staff, "known regular")
    services.pos_points_redeem(merchant=merchant, customer=shopper, points=100, reference="r")
    assert AuditEntry.objects.filter(action="loyalty.fraud.released").count() == 1
    with pytest.raises(FlagAlreadyReviewed):
        services.fraud_flag_confirm(flag=held, actor=staff)


def test_confirming_a_flag_takes_the_held_points_back_and_is_audited(shopper, held):
    services.fraud_flag_confirm(flag=held, actor=UserFactory(is_staff=True))
    account = Account.objects.get(customer=shopper)
    assert account.balance == 0
    entry = LedgerEntry.objects.get(source="fraud")
    assert (entry.kind, entry.points) == ("adjusted", -100)
    assert AuditEntry.objects.get(action="loyalty.fraud.confirmed").data["points_taken"] == 100
    assert services.ledger_mismatches() == []
    with pytest.raises(FlagAlreadyReviewed):
        services.fraud_flag_release(flag=held, actor=None)


# --- the review queue in the admin ---------------------------------------------------------


def test_the_review_queue_filters_searches_and_releases(
    admin_client_logged, shopper, held, django_assert_max_num_queries
):
    changelist = reverse("admin:loyalty_fraudflag_changelist")
    with django_assert_max_num_queries(20):
        page = admin_client_logged.get(changelist, {"status": "open", "rule": "customer_velocity", "held": "yes"})
    assert page.status_code == 200 and "big" in page.content.decode()
    found = admin_client_logged.get(changelist, {"q": shopper.phone})
    assert found.status_code == 200 and found.context["cl"].result_count == 1
    response = admin_client_logged.post(changelist, {"action": "flags_release", "_selected_action": [held.pk]})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == "dismissed" and not PointLot.objects.filter(hold__isnull=False, remaining__gt=0).exists()


def test_the_review_queue_confirms_from_the_admin(admin_client_logged, shopper, held):
    changelist = reverse("admin:loyalty_fraudflag_changelist")
    admin_client_logged.post(changelist, {"action": "flags_confirm", "_selected_action": [held.pk]})
    held.refresh_from_db()
    assert held.status == "confirmed" and Account.objects.get(customer=shopper).balance == 0


def test_merchant_staff_cannot_open_the_review_queue(client, merchant, held):
    member = MembershipFactory(merchant=merchant).user
    member.is_staff = True
    member.save()
    member.user_permissions.add(*Permission.objects.filter(codename__in=["view_fraudflag", "change_fraudflag"]))
    client.force_login(member)
    assert client.get(reverse("admin:loyalty_fraudflag_changelist")).status_code == 403


def test_customer_totals_admin_lists_with_few_queries(
    admin_client_logged, merchant, shopper, django_assert_max_num_queries
):
    for n in range(5):
        sale(merchant, UserFactory(), f"s{n}")
    with django_assert_max_num_queries(15):
        page = admin_client_logged.get(reverse("admin:loyalty_customertotals_changelist"), {"merchant__isempty": "0"})
    assert page.status_code == 200
