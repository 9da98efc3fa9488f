"""Reads of the checkout. Each returns a queryset with its joins already applied."""

from django.db.models import Prefetch

from skypark.core.errors import NotFound

from .models import Order, OrderLine, Payment, Refund


def order_list(*, customer):
    """A customer's orders, newest first, with lines: constant queries per page."""
    return (
        Order.objects.filter(customer=customer)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def order_detail_queryset():
    return Order.objects.select_related("customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
        Prefetch("payments", queryset=Payment.objects.order_by("pk")),
        Prefetch("refunds", queryset=Refund.objects.order_by("pk")),
    )


def order_get(*, reference, customer=None, detail=True) -> Order:
    """One order by reference; with ``customer``, only if it is theirs (else NotFound, so
    a stranger cannot even learn that the reference exists). ``detail=False`` reads the
    order row alone, for a write that locks and re-reads it anyway."""
    queryset = order_detail_queryset() if detail else Order.objects.all()
    queryset = queryset.filter(reference=str(reference).strip().upper())
    if customer is not None:
        queryset = queryset.filter(customer=customer)
    order = queryset.first()
    if order is None:
        raise NotFound()
    return order


def payment_get(*, pk) -> Payment:
    payment = Payment.objects.select_related("order").filter(pk=pk).first()
    if payment is None:
        raise NotFound()
    return payment


def admin_order_queryset():
    return Order.objects.select_related("customer")
