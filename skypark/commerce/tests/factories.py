import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Order, OrderLine, Payment
from skypark.commerce.services import order_create, payment_complete, payment_start


class OrderFactory(factory.django.DjangoModelFactory):
    """A bare order row, for tests of constraints and reads. Use ``pending_order`` for an
    order made the way the product makes them."""

    class Meta:
        model = Order

    customer = factory.SubFactory(UserFactory)
    currency = "KGS"
    subtotal = Decimal("1580.00")
    total = Decimal("1580.00")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(minutes=20))


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    kind = "ticket"
    description = factory.Sequence(lambda n: f"Ticket {n}")
    quantity = 2
    unit_price = Decimal("790.00")
    total = Decimal("1580.00")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    provider = "sandbox"
    method = "visa"
    amount = factory.LazyAttribute(lambda p: p.order.total)
    currency = factory.LazyAttribute(lambda p: p.order.currency)


def ticket_lines(count=2, price="790.00"):
    return [{"kind": "ticket", "description": "Park entry, 3+ years", "quantity": count, "unit_price": Decimal(price)}]


def pending_order(customer=None, *, count=2, price="790.00", discount_total=0, **kwargs) -> Order:
    return order_create(
        customer=customer or UserFactory(),
        currency="KGS",
        lines=ticket_lines(count, price),
        discount_total=discount_total,
        **kwargs,
    )


def paid_order(customer=None, *, provider="sandbox", method="visa", **kwargs) -> Order:
    order = pending_order(customer, **kwargs)
    payment, _action = payment_start(order=order, provider=provider, method=method)
    payment_complete(payment=payment, external_id=payment.external_id)
    order.refresh_from_db()
    return order
