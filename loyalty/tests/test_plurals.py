"""Points read with their plural form in Russian and Kyrgyz: the balance on the loyalty
card, the points to the next tier, and the birthday e-mail."""

import datetime

import pytest
from django.utils import timezone, translation

from loyalty import selectors
from loyalty.models import LedgerEntry
from loyalty.services import points_expire
from skypark.core.testing_i18n import COUNTS, get_page, has_phrase
from skypark.notify.rendering import render_kind

from .factories import give_points

pytestmark = pytest.mark.django_db

POINTS = {
    "ru": {1: "1 балл", 2: "2 балла", 5: "5 баллов", 21: "21 балл"},
    "ky": {1: "1 упай", 2: "2 упай", 5: "5 упай", 21: "21 упай"},
}


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_card_balance_uses_the_plural_form(client, settings, customer, language):
    balance = 0
    for n in COUNTS:
        give_points(customer, n - balance)
        balance = n
        text = get_page(client, settings, customer, language, "loyalty:card")
        assert has_phrase(text, POINTS[language][n]), (language, n)


def test_points_to_the_next_tier_in_russian(client, settings, customer):
    give_points(customer, 1)
    first_step = selectors.loyalty_summary(customer=customer).points_to_next_tier
    assert first_step > 21
    forms = {21: "остался 21 балл", 5: "осталось 5 баллов", 2: "осталось 2 балла", 1: "остался 1 балл"}
    for n in (21, 5, 2, 1):
        missing = selectors.loyalty_summary(customer=customer).points_to_next_tier
        give_points(customer, missing - n)
        assert selectors.loyalty_summary(customer=customer).points_to_next_tier == n
        text = get_page(client, settings, customer, "ru", "loyalty:card")
        assert forms[n] in text, (n, text)


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_birthday_email_counts_points(customer, language):
    for n in COUNTS:
        rendered = render_kind(
            "loyalty.birthday_bonus", language=language, context={"points": n, "balance": n, "recipient": customer}
        )
        expected = POINTS[language][n]
        if language == "ru":
            bonus = {1: "1 бонусный балл", 2: "2 бонусных балла", 5: "5 бонусных баллов", 21: "21 бонусный балл"}[n]
        else:
            bonus = f"{n} бонустук упай"
        assert has_phrase(rendered.subject, bonus), rendered.subject
        assert has_phrase(rendered.body, bonus) and has_phrase(rendered.body, expected), rendered.body


@pytest.mark.parametrize(
    "language, lot, expected",
    [("ru", 1, "1 из 1 балла"), ("ru", 2, "2 из 2 баллов"), ("ru", 21, "21 из 21 балла"), ("ky", 5, "5 упайдын 5")],
)
def test_expired_lot_says_how_many_points_of_how_many(customer, language, lot, expected):
    give_points(customer, lot, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with translation.override(language):
        points_expire()
    entry = LedgerEntry.objects.get(account__customer=customer, kind=LedgerEntry.Kind.EXPIRED)
    assert entry.description == expected
