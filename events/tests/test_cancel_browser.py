"""Cancelling a paid event registration in a real browser, in Russian, on a phone and a
desktop: the confirmation page shows the refund the events policy gives now."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from events import services
from events.models import Registration
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Refund
from skypark.commerce.services import payment_complete, payment_start
from skypark.commerce.tests.cancel_walk import confirm, confirm_page, log_in
from skypark.config.selectors import invalidate
from skypark.config.services import system_setting_update, system_settings_seed

from .factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cancel_a_paid_registration_with_half_back(browser):
    system_settings_seed()  # a transactional test starts from an empty table
    system_setting_update(
        key="events.refund_policy", value=[{"hours": 240, "percent": 100}, {"hours": 0, "percent": 50}], actor=None
    )
    invalidate()
    member = UserFactory(name="Нурлан", language="ru")
    event = EventFactory(title="Вечер настольных игр", price=Decimal("450.00"))
    registration = services.registration_create(customer=member, event=event)
    payment, _ = payment_start(order=registration.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    services.registrations_confirm(order=registration.order)

    log_in(browser, member)
    with translation.override("ru"):
        url = reverse("events:registration-cancel", args=[registration.pk])
    confirm_page(browser, url, name="registration-ru", shown=["вам вернут 225 сом", "Вечер настольных игр"])
    text = confirm(browser, name="registration-ru")
    assert "Отменено. Вам вернут 225 сом." in text
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.CANCELLED
    assert [r.amount for r in Refund.objects.all()] == [Decimal("225.00")]
