"""Referral bonuses reward a new identity, so they wait for confirmed phones: an
invitation of a made-up number earns nothing, and what is due is credited at the
confirmation, exactly once."""

import re
from decimal import Decimal

import pytest
from django.db import connection

from loyalty import services
from loyalty.models import Account, LedgerEntry, Referral
from skypark.accounts.phone_verification import (
    PhoneAlreadyVerified,
    phone_verification_confirm,
    phone_verification_send,
)
from skypark.accounts.tests.factories import MerchantFactory, UserFactory
from skypark.commerce.tests.factories import paid_order
from skypark.core.testing import run_together
from skypark.notify import sms

BONUS_SOURCES = ("referral", "referral_welcome")


@pytest.fixture(autouse=True)
def _sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def issued_codes(monkeypatch):
    """The codes as they are issued (the race tests are about confirming, not about the
    SMS on its way, which the phone-verification tests cover)."""
    from skypark.accounts import phone_codes

    codes = []
    text = phone_codes._sms_text

    def remember(policy, code, language):
        codes.append(code)
        return text(policy, code, language)

    monkeypatch.setattr(phone_codes, "_sms_text", remember)
    return codes


def balance(customer):
    account = Account.objects.filter(customer=customer, merchant__isnull=True).first()
    return account.balance if account else 0


def bonus_entries():
    return LedgerEntry.objects.filter(source__in=BONUS_SOURCES)


def invite(referrer=None, friend=None):
    referrer = referrer or UserFactory()
    friend = friend or UserFactory()
    services.referral_register(referred=friend, code=services.referral_code_get(customer=referrer).code)
    return referrer, friend


def buy(merchant, customer, external_id):
    services.pos_transaction_record(
        merchant=merchant, customer=customer, external_id=external_id, amount=Decimal("1000.00")
    )


def confirm_phone(user, capture=None):
    if capture is None:
        phone_verification_send(user=user, ip="10.9.0.1")
    else:
        with capture(execute=True):
            phone_verification_send(user=user, ip="10.9.0.1")
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    phone_verification_confirm(user=user, code=code, ip="10.9.0.1")


@pytest.mark.django_db
def test_an_unconfirmed_friend_earns_no_bonus_for_anyone(merchant):
    referrer, friend = invite(referrer=UserFactory(phone_verified=True))
    buy(merchant, friend, "a")
    buy(merchant, friend, "b")
    referral = Referral.objects.get()
    assert referral.status == Referral.Status.PENDING and referral.purchased_at is not None
    assert not bonus_entries().exists()
    assert balance(referrer) == 0
    assert balance(friend) == 200, "the two sales' own points only"


@pytest.mark.django_db
def test_confirming_the_phone_credits_the_bonuses_that_waited_once(merchant, django_capture_on_commit_callbacks):
    referrer, friend = invite(referrer=UserFactory(phone_verified=True))
    buy(merchant, friend, "a")
    confirm_phone(friend, django_capture_on_commit_callbacks)
    referral = Referral.objects.get()
    assert referral.status == Referral.Status.REWARDED
    assert balance(referrer) == 300 and balance(friend) == 100 + 100
    buy(merchant, friend, "b")
    assert bonus_entries().count() == 2
    assert services.ledger_mismatches() == []


@pytest.mark.django_db
def test_an_unconfirmed_referrer_earns_nothing_until_they_confirm(merchant, django_capture_on_commit_callbacks):
    referrer, friend = invite(friend=UserFactory(phone_verified=True))
    buy(merchant, friend, "a")
    assert not bonus_entries().exists()
    confirm_phone(referrer, django_capture_on_commit_callbacks)
    assert balance(referrer) == 300 and balance(friend) == 100 + 100
    assert Referral.objects.get().status == Referral.Status.REWARDED


@pytest.mark.django_db
def test_confirming_before_any_purchase_credits_nothing_yet(merchant, django_capture_on_commit_callbacks):
    referrer, friend = invite(referrer=UserFactory(phone_verified=True))
    confirm_phone(friend, django_capture_on_commit_callbacks)
    assert not bonus_entries().exists()
    buy(merchant, friend, "a")
    assert bonus_entries().count() == 2


@pytest.mark.django_db
def test_a_platform_order_of_an_unconfirmed_friend_earns_no_bonus(on_commit):
    referrer, friend = invite(referrer=UserFactory(phone_verified=True))
    on_commit(paid_order, friend, count=1, price="100.00")
    assert not bonus_entries().exists()
    assert Referral.objects.get().purchased_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_concurrent_confirmations_credit_the_bonuses_exactly_once(issued_codes):
    merchant = MerchantFactory()
    referrer, friend = invite(referrer=UserFactory(phone_verified=True))
    buy(merchant, friend, "a")
    phone_verification_send(user=friend, ip="10.9.0.2")
    code = issued_codes[-1]

    def confirm():
        return phone_verification_confirm(user=friend, code=code, ip="10.9.0.2")

    results, errors = run_together([confirm for _ in range(12)], threads=12)
    assert len(results) == 1
    assert len(errors) == 11 and all(isinstance(e, PhoneAlreadyVerified) for e in errors), errors
    assert bonus_entries().filter(source="referral").count() == 1
    assert bonus_entries().filter(source="referral_welcome").count() == 1
    assert balance(referrer) == 300 and balance(friend) == 100 + 100
    assert services.ledger_mismatches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_both_sides_confirming_at_once_with_a_purchase_pay_exactly_once(issued_codes):
    merchant = MerchantFactory()
    referrer, friend = invite()
    buy(merchant, friend, "a")
    codes = {}
    for user in (referrer, friend):
        phone_verification_send(user=user, ip="10.9.0.3")
        codes[user.pk] = issued_codes[-1]

    def confirm(user):
        return lambda: phone_verification_confirm(user=user, code=codes[user.pk], ip="10.9.0.3")

    results, errors = run_together([confirm(referrer), confirm(friend)] * 4, threads=8)
    assert len(results) == 2 and all(isinstance(e, PhoneAlreadyVerified) for e in errors)
    assert Referral.objects.get().status == Referral.Status.REWARDED
    assert bonus_entries().count() == 2
    assert balance(referrer) == 300 and balance(friend) == 100 + 100
