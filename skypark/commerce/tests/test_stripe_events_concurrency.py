"""Stripe delivers an event more than once, sometimes at the same moment: applied once."""

from unittest import mock

import pytest
from django.db import connection

from skypark.commerce.models import Order, PaymentNotification, Refund
from skypark.commerce.providers.stripe import StripeProvider
from skypark.commerce.services import payment_complete, payment_start
from skypark.commerce.stripe_events import stripe_event_apply
from skypark.core.testing import run_together

from .factories import pending_order

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_the_same_refund_event_delivered_eight_times_at_once_refunds_once(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    order = pending_order()
    with mock.patch.object(StripeProvider, "session_create", return_value={"id": "cs_race", "url": "https://x"}):
        payment, _action = payment_start(order=order, provider="stripe", method="visa")
    payment_complete(payment=payment, external_id="cs_race", metadata={"stripe_payment_intent": "pi_race"})
    event = {
        "id": "evt_race",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": "ch_race",
                "payment_intent": "pi_race",
                "refunds": {"data": [{"id": "re_race", "amount": 50000, "status": "succeeded"}]},
            }
        },
    }
    results, errors = run_together([lambda: stripe_event_apply(event)] * 8)
    assert errors == []
    assert sorted(results) == ["duplicate"] * 7 + ["refunded"]
    order.refresh_from_db()
    assert str(order.refunded_total) == "500.00" and order.status == Order.Status.PARTIALLY_REFUNDED
    assert Refund.objects.filter(order=order).count() == 1
    assert PaymentNotification.objects.filter(notification_id="evt_race").count() == 1
