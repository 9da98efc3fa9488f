"""Money that arrives after a ticket's order expired (a wallet or ELQR payment made late):
the ticket takes its places back if they are still free, otherwise the money goes back."""

import datetime

import pytest

from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Order, Payment, SimulatedPayment
from skypark.commerce.providers import load_provider, simulator
from skypark.commerce.services import orders_expire, payment_start
from skypark.parks.models import SlotCapacity, Ticket

from .factories import tomorrow

pytestmark = pytest.mark.django_db


def _expire(ticket, capture):
    with capture(execute=True):
        orders_expire(now=ticket.order.expires_at + datetime.timedelta(seconds=1))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.EXPIRED


def _pay_late(payment, capture):
    remote = SimulatedPayment.objects.get(reference=payment.external_id)
    with capture(execute=True):
        simulator.simulate(load_provider(payment.provider), remote, "paid")
    payment.refresh_from_db()
    return payment


def test_late_payment_re_reserves_free_places(buy, park, django_capture_on_commit_callbacks):
    ticket = buy(visitors=[{"name": "A", "age": 4}, {"name": "B", "age": 6}])
    payment, _action = payment_start(order=ticket.order, provider="elqr", method="elqr")
    _expire(ticket, django_capture_on_commit_callbacks)
    assert SlotCapacity.objects.get(park=park).sold == 0
    payment = _pay_late(payment, django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    order = Order.objects.get(pk=ticket.order_id)
    assert order.status == Order.Status.PAID and order.paid_at is not None
    assert payment.status == Payment.Status.COMPLETED and payment.metadata["late"] is True
    assert ticket.status == Ticket.Status.ACTIVE and ticket.qr_code
    assert SlotCapacity.objects.get(park=park).sold == 2
    assert not payment.refunds.exists()


def test_late_payment_is_refunded_when_the_places_were_sold(buy, park, django_capture_on_commit_callbacks):
    SlotCapacity.objects.create(park=park, date=tomorrow(), capacity=1)
    ticket = buy(visitors=[{"name": "A", "age": 4}])
    payment, _action = payment_start(order=ticket.order, provider="mbank", method="mbank")
    _expire(ticket, django_capture_on_commit_callbacks)
    buy(who=UserFactory(), visitors=[{"name": "C", "age": 5}])  # someone else takes the place
    payment = _pay_late(payment, django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert Order.objects.get(pk=ticket.order_id).status == Order.Status.EXPIRED
    assert ticket.status == Ticket.Status.EXPIRED
    assert payment.status == Payment.Status.REFUNDED
    assert SimulatedPayment.objects.get(reference=payment.external_id).refunded == payment.amount
    assert SlotCapacity.objects.get(park=park).sold == 1
