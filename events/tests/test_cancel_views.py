"""The event-registration cancellation page: GET shows the refund ``events.refund_policy``
gives now, POST cancels and refunds exactly that through the checkout."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from events import services
from events.models import Registration
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Order, Refund
from skypark.config.selectors import invalidate
from skypark.config.services import system_setting_update

from .factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_back(db):
    """More than ten days' notice gives everything back, less gives half."""
    system_setting_update(
        key="events.refund_policy", value=[{"hours": 240, "percent": 100}, {"hours": 0, "percent": 50}], actor=None
    )
    invalidate()


@pytest.fixture
def registration(half_back, pay):
    customer = UserFactory(language="en")
    event = EventFactory(price=Decimal("450.00"))
    return pay(services.registration_create(customer=customer, event=event))


def _url(name, registration, lang="en"):
    with translation.override(lang):
        return reverse(name, args=[registration.pk])


@pytest.mark.parametrize(
    "lang,shown",
    [
        ("ru", ["вам вернут 225 сом", "50% от уплаченных вами 450 сом"]),
        ("ky", ["сизге 225 сом кайтарылат", "сиз төлөгөн 450 сом суммасынын 50%"]),
        ("en", ["you get 225 som back", "50% of the 450 som you paid"]),
    ],
)
def test_confirmation_page_shows_the_refund(client, registration, lang, shown):
    registration.customer.language = lang
    registration.customer.save(update_fields=["language"])
    client.force_login(registration.customer)
    html = " ".join(client.get(_url("events:registration-cancel", registration, lang)).content.decode().split())
    for text in shown:
        assert text in html
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_post_refunds_that_amount_once(client, registration):
    client.force_login(registration.customer)
    url = _url("events:registration-cancel", registration)
    html = " ".join(client.post(url, follow=True).content.decode().split())
    assert "225 som is on its way back to you" in html
    assert "partially refunded: 225 som" in html
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert registration.order.status == Order.Status.PARTIALLY_REFUNDED
    assert [r.amount for r in Refund.objects.all()] == [Decimal("225.00")]
    assert "already cancelled" in client.post(url, follow=True).content.decode()
    assert Refund.objects.count() == 1


def test_other_customers_registration_cancel_is_404(client, registration):
    client.force_login(UserFactory(language="en"))
    url = _url("events:registration-cancel", registration)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
