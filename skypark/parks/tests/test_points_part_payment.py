"""Points as part payment with the gateways: the points part comes back when the money
part fails and the order expires, is spent again when late money revives the order, and
a race between the expiry's give-back and a late payment settles one way only."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from skypark.commerce.models import Order, Payment, SimulatedPayment
from skypark.commerce.providers import load_provider, simulator
from skypark.commerce.services import orders_expire, payment_complete, payment_start
from skypark.core import loyalty
from skypark.core.testing import run_together

from .factories import tomorrow


def _simulate(payment, outcome, capture):
    remote = SimulatedPayment.objects.get(reference=payment.external_id)
    with capture(execute=True):
        simulator.simulate(load_provider(payment.provider), remote, outcome)
    payment.refresh_from_db()
    return payment


def _spendable(customer):
    return loyalty.get_provider().spendable_points(customer)


def _spent_on(order) -> int:
    """Points the order holds: spent at the sale or on revival, less what came back."""
    from django.db.models import Sum

    from loyalty.models import LedgerEntry

    entries = LedgerEntry.objects.filter(
        reference=order.reference,
        source__in=("order", "order_release", "order_revive"),
        kind__in=(LedgerEntry.Kind.REDEEMED, LedgerEntry.Kind.REVERSED),
    )
    return -(entries.aggregate(s=Sum("points"))["s"] or 0)


@pytest.fixture
def points(customer):
    loyalty.get_provider().points_award(customer=customer, points=300, source="test", reference="gateway-points")
    return 300


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["elqr", "mbank", "omoney", "elcard"])
def test_money_part_fails_then_expires_and_the_points_come_back(
    provider, buy, customer, points, django_capture_on_commit_callbacks
):
    ticket = buy(points=200)
    assert _spendable(customer) == 100
    payment, _action = payment_start(order=ticket.order, provider=provider, method=provider)
    payment = _simulate(payment, "failed", django_capture_on_commit_callbacks)
    assert payment.status == Payment.Status.FAILED
    assert _spendable(customer) == 100, "a failed attempt leaves the order payable with its points"
    with django_capture_on_commit_callbacks(execute=True):
        orders_expire(now=timezone.now() + datetime.timedelta(hours=2))
    assert _spendable(customer) == 300


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["elqr", "mbank"])
def test_money_part_paid_keeps_the_points_spent(provider, buy, customer, points, django_capture_on_commit_callbacks):
    ticket = buy(points=200)
    payment, _action = payment_start(order=ticket.order, provider=provider, method=provider)
    _simulate(payment, "paid", django_capture_on_commit_callbacks)
    order = Order.objects.get(pk=ticket.order_id)
    assert order.status == Order.Status.PAID
    assert _spent_on(order) == 200


@pytest.mark.django_db
def test_late_money_spends_the_returned_points_again(buy, customer, points, django_capture_on_commit_callbacks):
    ticket = buy(points=200)
    payment, _action = payment_start(order=ticket.order, provider="omoney", method="omoney")
    with django_capture_on_commit_callbacks(execute=True):
        orders_expire(now=ticket.order.expires_at + datetime.timedelta(seconds=1))
    assert _spendable(customer) == 300
    assert _spent_on(ticket.order) == 0
    payment = _simulate(payment, "paid", django_capture_on_commit_callbacks)
    order = Order.objects.get(pk=ticket.order_id)
    assert order.status == Order.Status.PAID
    assert payment.status == Payment.Status.COMPLETED
    assert _spent_on(order) == 200


@pytest.mark.django_db
def test_late_money_is_refunded_when_the_points_are_gone(buy, customer, points, django_capture_on_commit_callbacks):
    ticket = buy(points=200)
    payment, _action = payment_start(order=ticket.order, provider="elqr", method="elqr")
    with django_capture_on_commit_callbacks(execute=True):
        orders_expire(now=ticket.order.expires_at + datetime.timedelta(seconds=1))
    buy(points=250, day=tomorrow() + datetime.timedelta(days=1))  # spent elsewhere meanwhile
    assert _spendable(customer) == 50
    payment = _simulate(payment, "paid", django_capture_on_commit_callbacks)
    assert Order.objects.get(pk=ticket.order_id).status == Order.Status.EXPIRED
    assert payment.status == Payment.Status.REFUNDED
    assert _spendable(customer) == 50 and _spent_on(ticket.order) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_give_back_and_late_money_race_settles_one_way(buy, customer, points):
    """The expiry's give-back of the points (run after its commit) and a late payment
    reviving the order run at once, many times over: whichever wins, the points are
    spent exactly when the order ends up paid."""
    from loyalty.services import points_release_for_order

    outcomes = set()
    for round_ in range(6):
        ticket = buy(points=100, day=tomorrow() + datetime.timedelta(days=round_))
        payment, _action = payment_start(order=ticket.order, provider="mbank", method="mbank")
        orders_expire(now=ticket.order.expires_at + datetime.timedelta(seconds=1))  # receivers not run yet
        order = Order.objects.get(pk=ticket.order_id)
        _results, errors = run_together(
            [
                lambda order=order: points_release_for_order(order=order),
                lambda payment=payment: payment_complete(payment=payment, metadata={"late": True}),
            ]
        )
        assert errors == []
        order.refresh_from_db()
        payment.refresh_from_db()
        outcomes.add(order.status)
        if order.status == Order.Status.PAID:
            assert _spent_on(order) == 100
            assert payment.status == Payment.Status.COMPLETED
        else:
            assert order.status == Order.Status.EXPIRED and payment.status == Payment.Status.REFUNDED
            assert _spent_on(order) == 0
    assert outcomes <= {Order.Status.PAID, Order.Status.EXPIRED}
