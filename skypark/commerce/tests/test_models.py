"""The database refuses what the services never write."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from skypark.commerce.models import Order, Payment

from .factories import OrderFactory, OrderLineFactory, PaymentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"subtotal": Decimal("-1")},
        {"total": Decimal("-0.01")},
        {"discount_total": Decimal("-5")},
        {"discount_total": Decimal("2000")},
        {"refunded_total": Decimal("-1")},
        {"refunded_total": Decimal("1580.01"), "status": "partially_refunded", "paid_at": "2025-01-01T00:00Z"},
        {"expires_at": None},
        {"status": "paid", "paid_at": None},
        {"status": "cancelled"},
        {"status": "lost"},
    ],
)
def test_order_constraints(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(**fields)


def test_order_refunded_up_to_total_is_fine():
    order = OrderFactory(status="refunded", paid_at="2025-01-01T00:00Z", refunded_total=Decimal("1580.00"))
    assert order.refundable_amount == 0


@pytest.mark.parametrize(
    "fields", [{"quantity": 0}, {"unit_price": Decimal("-1")}, {"discount": Decimal("-1")}, {"total": Decimal("-1")}]
)
def test_line_constraints(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLineFactory(**fields)


@pytest.mark.parametrize(
    "fields", [{"amount": Decimal("0")}, {"amount": Decimal("-1")}, {"method": "bitcoin"}, {"status": "lost"}]
)
def test_payment_constraints(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(**fields)


def test_external_id_unique_per_provider_when_set():
    PaymentFactory(external_id="")
    PaymentFactory(external_id="")
    PaymentFactory(external_id="abc", provider="sandbox")
    PaymentFactory(external_id="abc", provider="stripe")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(external_id="abc", provider="sandbox")
    assert Payment.objects.count() == 4


def test_references_are_human_and_unique():
    refs = {OrderFactory().reference for _ in range(20)}
    assert len(refs) == 20
    assert all(r.startswith("SP-") and len(r) == 11 for r in refs)
    assert Order.objects.count() == 20
