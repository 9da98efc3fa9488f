"""Orders paid later against an invoice (company bookings): the order stays payable
until the invoice's due date, and staff record the bank transfer when it arrives. The
domain that sells (bookings) owns the invoice itself; the checkout owns the order and
its payment, so these are the only two writes it needs."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log, snapshot

from .errors import OrderNotPayable
from .models import Order
from .services import _order_locked, payment_complete, payment_start

PROVIDER = "invoice"
METHOD = "bank_transfer"


@transaction.atomic
def order_pay_by_invoice(*, order, until: datetime.datetime, actor=None) -> Order:
    """Keeps a pending order payable until ``until`` (the invoice's due date), so the
    checkout's expiry sweep does not release it before then. Locks the order. Refuses an
    order that is no longer pending (``OrderNotPayable``)."""
    order = _order_locked(order)
    if order.status != Order.Status.PENDING_PAYMENT:
        raise OrderNotPayable(details={"status": order.status})
    before = snapshot(order)
    order.expires_at = until
    order.metadata = {**order.metadata, "pay_by": "invoice"}
    order.save(update_fields=["expires_at", "metadata", "updated_at"])
    audit_log(actor=actor, action="commerce.order.pay_by_invoice", obj=order, before=before, after=snapshot(order))
    return order


@transaction.atomic
def order_invoice_paid(*, order, actor, reference: str = "", now=None):
    """Staff saw the transfer in the bank: the order is paid by ``bank_transfer`` and the
    usual ``order_paid`` follows (after commit). Locks the order, then the payment.
    Refuses an order that is no longer payable (``OrderNotPayable``)."""
    now = now or timezone.now()
    order = _order_locked(order)
    if order.status != Order.Status.PENDING_PAYMENT or (order.expires_at and order.expires_at <= now):
        raise OrderNotPayable(_("This order is no longer waiting for its invoice to be paid."))
    payment, _action = payment_start(order=order, provider=PROVIDER, method=METHOD, actor=actor, at_desk=True)
    return payment_complete(
        payment=payment,
        metadata={"bank_reference": str(reference)[:100], "recorded_by": getattr(actor, "pk", None)},
        actor=actor,
    )
