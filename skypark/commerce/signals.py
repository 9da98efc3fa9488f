"""What the checkout tells the rest of the platform. Domains connect receivers here and
pick their own lines out of ``order.lines`` by ``kind``; commerce never imports them.

All signals but two are sent from ``transaction.on_commit``: a write that rolls back sends
nothing, and a receiver runs only once the change is visible to other connections.

Two are sent *inside* the transaction. ``order_paid(sender=Order, order=order)`` comes
with the payment that marks the order paid (its row locked; a free order, paid when it is
created and before its domain has written its items, gets it after the commit instead), so what a payment sets off in
the domains — items activated, points earned — commits with it or not at all, in one
transaction; receivers keep their work inside it (no savepoints of their own), read the
order's line kinds from ``order.line_kinds()`` (read once, shared by every receiver), and
leave anything slow (e-mail, documents, webhooks) to the outbox
(``skypark.core.outbox.outbox_add``). A receiver that raises rolls the payment back; the
provider's callback is then answered with an error and delivered again.

``order_paid_send`` sends it: the effects its receivers add are gathered into one outbox
message ``commerce.order_paid``, written with the payment and carried out once, by one
task, after the commit. A free order's is sent by ``order_paid_send_on_commit``, in a
transaction of its own once the order's has committed.

- ``order_refunded(sender=Order, order=order, amount=Decimal, refunds=[Refund, ...])`` —
  ``amount`` is what this refund gave back; ``order.refunded_total`` is the running sum
- ``order_expired(sender=Order, order=order)``
- ``order_cancelled(sender=Order, order=order)``

The other, because its receivers may refuse:

- ``order_revive(sender=Order, order=order)`` — money arrived for an expired order; each
  domain takes its order's places back and returns the set of line kinds it took back,
  or raises a ``DomainError`` (e.g. sold out), which rolls back every receiver's work
  and has the money refunded instead; so does an order with a line kind no receiver
  took back (loyalty spends released points again and claims no kind). The order then
  becomes paid and ``order_paid`` follows as usual.
"""

from django.db import transaction
from django.dispatch import Signal

from skypark.core.outbox import outbox_gather

PAID_OUTBOX_KIND = "commerce.order_paid"

order_paid = Signal()
order_refunded = Signal()
order_expired = Signal()
order_cancelled = Signal()
order_revive = Signal()


def order_paid_send(order) -> None:
    """Sends ``order_paid`` inside the transaction that pays ``order`` (its row locked);
    the effects its receivers add go out as one outbox message."""
    with outbox_gather(kind=PAID_OUTBOX_KIND, refs={"order": order.pk}):
        order_paid.send(sender=type(order), order=order)


def order_paid_send_on_commit(order) -> None:
    """``order_paid_send`` in a transaction of its own, once the caller's commits (a
    free order, paid before its domain has written its items)."""

    def send():
        with transaction.atomic():
            order_paid_send(order)

    transaction.on_commit(send)
