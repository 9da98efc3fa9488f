"""Races against a real PostgreSQL. Skipped on SQLite, which serialises writers anyway."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.services import payment_complete, payment_start
from skypark.core.testing import run_together
from skypark.parks import services
from skypark.parks.errors import SoldOut
from skypark.parks.models import Park, ParkVisit, SlotCapacity, Ticket

from .factories import ParkFactory, tomorrow

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


# PostgreSQL on the shared machines allows 100 connections, so the 200 buyers run on
# 40 threads (one connection each) that all start together and buy 5 times each.
BUYERS, THREADS = 200, 40


def test_200_buyers_on_50_places_sell_exactly_50():
    park = ParkFactory(capacity=50)
    day = tomorrow()
    SlotCapacity.objects.create(park=park, date=day, capacity=50)
    buyers = [UserFactory() for _ in range(BUYERS)]

    def buy_for(customers):
        def run():
            sold, refused = [], []
            for customer in customers:
                try:
                    sold.append(
                        services.ticket_order_create(
                            customer=customer, park=park, visit_date=day, visitors=[{"name": "Kid", "age": 5}]
                        )
                    )
                except SoldOut as exc:
                    refused.append(exc)
            return sold, refused

        return run

    per_thread = BUYERS // THREADS
    results, errors = run_together([buy_for(buyers[i : i + per_thread]) for i in range(0, BUYERS, per_thread)])
    assert not errors, {str(e)[:200] for e in errors}
    sold = [t for s, _r in results for t in s]
    refused = [e for _s, r in results for e in r]
    assert len(sold) == 50
    assert len(refused) == 150
    assert {e.code for e in refused} == {"sold_out"}
    assert SlotCapacity.objects.get(park=park, date=day).sold == 50
    assert Ticket.objects.filter(park=park).count() == 50


def test_two_gates_scanning_one_code_admit_once():
    park = ParkFactory(capacity=10)
    customer = UserFactory()
    ticket = services.ticket_order_create(
        customer=customer, park=park, visit_date=timezone.localdate(), visitors=[{"name": "Kid", "age": 5}]
    )
    payment, _ = payment_start(order=ticket.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.ACTIVE)
    ticket.refresh_from_db()  # the QR code is issued on payment

    results, errors = run_together(
        [
            lambda gate=gate: services.ticket_admit(code=ticket.qr_code, park=park, gate=gate)
            for gate in ("a", "b", "c", "d")
        ]
    )
    assert not errors
    assert sum(r.admitted for r in results) == 1
    assert sorted(r.reason for r in results if not r.admitted) == ["already_used"] * 3
    assert ParkVisit.objects.filter(ticket=ticket).count() == 1
    assert Park.objects.get(pk=park.pk).current_occupancy == 1


def test_two_concurrent_cancels_of_one_ticket_refund_once():
    from skypark.commerce.models import Order, Refund
    from skypark.parks import cancelling
    from skypark.parks.errors import TicketNotCancellable

    park = ParkFactory(capacity=10)
    customer = UserFactory()
    day = timezone.localdate() + datetime.timedelta(days=5)
    ticket = services.ticket_order_create(
        customer=customer, park=park, visit_date=day, visitors=[{"name": "Kid", "age": 5}]
    )
    payment, _ = payment_start(order=ticket.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.ACTIVE)

    results, errors = run_together([lambda: cancelling.ticket_cancel(ticket=ticket, actor=customer) for _ in range(4)])
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(e, TicketNotCancellable) for e in errors)
    assert [r.amount for r in Refund.objects.filter(order=ticket.order_id)] == [Decimal("790.00")]
    order = Order.objects.get(pk=ticket.order_id)
    assert order.status == Order.Status.REFUNDED and order.refunded_total == Decimal("790.00")
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.REFUNDED
    assert SlotCapacity.objects.get(park=park, date=day).sold == 0
