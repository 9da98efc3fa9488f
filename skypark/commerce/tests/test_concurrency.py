"""Races against a real PostgreSQL: row locks must make concurrent callbacks and refunds
count once. Skipped on SQLite, which serialises writers anyway."""

from decimal import Decimal

import pytest
from django.db import connection

from skypark.audit.models import AuditEntry
from skypark.commerce import signals
from skypark.commerce.errors import RefundTooLarge
from skypark.commerce.models import Order, Payment, Refund
from skypark.commerce.providers import sandbox
from skypark.commerce.services import order_refund, payment_start
from skypark.core.testing import run_together

from .factories import paid_order, pending_order

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_concurrent_callbacks_pay_once():
    order = pending_order()
    payment, _ = payment_start(order=order, provider="sandbox", method="visa")
    body, header = sandbox.callback_build(payment, "succeeded")
    paid = []

    def handler(sender, order, **kwargs):
        paid.append(order.pk)

    signals.order_paid.connect(handler, weak=False)
    try:
        results, errors = run_together([lambda: sandbox.callback_handle(body, header)] * 8)
    finally:
        signals.order_paid.disconnect(handler)
    assert errors == []
    assert [p.status for p in results] == [Payment.Status.COMPLETED] * 8
    assert paid == [order.pk]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert AuditEntry.objects.filter(action="commerce.order.paid", object_id=str(order.pk)).count() == 1
    # The completed payment is recorded once, in the order's entry.
    assert not AuditEntry.objects.filter(action="commerce.payment.completed").exists()
    entry = AuditEntry.objects.get(action="commerce.order.paid", object_id=str(order.pk))
    assert entry.data["payment_after"]["status"] == Payment.Status.COMPLETED


def test_concurrent_refunds_never_give_back_more_than_was_paid():
    order = paid_order()  # 1580.00: room for one refund of 1000, not two
    results, errors = run_together([lambda: order_refund(order=order, amount="1000.00", reason="race")] * 6)
    assert len(results) == 1
    assert len(errors) == 5 and all(isinstance(e, RefundTooLarge) for e in errors)
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED and order.refunded_total == Decimal("1000.00")
    assert Refund.objects.filter(order=order).count() == 1
