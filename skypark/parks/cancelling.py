"""Customers cancelling park tickets, through the checkout's one cancel service.

A paid ticket can be cancelled until its visit day starts (local midnight of
``visit_date``) and only while no one has been admitted with it; what comes back follows
``parks.refund_policy``. Lock order as in ``services``: the ticket row, then the order
and its lines (inside the checkout), then the slot-capacity row.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.cancelling import (
    CancelQuote,
    RefundPolicy,
    order_lines_cancel,
    order_lines_for,
    refund_policy_get,
    refund_quote,
)
from skypark.commerce.models import Order

from . import history
from .errors import TicketNotCancellable
from .models import Ticket
from .services import _capacity_release

POLICY_KEY = "parks.refund_policy"
OUTCOME_STATUS = {
    "refunded": Ticket.Status.REFUNDED,
    "partially_refunded": Ticket.Status.PARTIALLY_REFUNDED,
    "cancelled": Ticket.Status.CANCELLED,
}


def refund_policy() -> RefundPolicy:
    return refund_policy_get(POLICY_KEY)


def ticket_starts_at(ticket: Ticket) -> datetime.datetime:
    """The moment the visit day starts, in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(ticket.visit_date, datetime.time.min))


def ticket_cancel_refusal(ticket: Ticket, *, now=None) -> str:
    """Why ``ticket`` cannot be cancelled by its customer now ("" when it can)."""
    now = now or timezone.now()
    if ticket.status == Ticket.Status.PENDING_PAYMENT:
        return ""
    if ticket.status != Ticket.Status.ACTIVE:
        return str(_("This ticket is no longer valid, so there is nothing to cancel."))
    if ticket.visits_used or ticket.entry_time or ticket.used_at:
        return str(_("Someone was already admitted with this ticket; it cannot be cancelled."))
    if ticket_starts_at(ticket) <= now:
        return str(_("The visit day has started; the ticket can no longer be cancelled."))
    return ""


def ticket_refund_quote(*, ticket: Ticket, now=None) -> CancelQuote:
    """What cancelling ``ticket`` at ``now`` gives back under ``parks.refund_policy``."""
    return refund_quote(
        order=ticket.order,
        lines=order_lines_for(order=ticket.order, item=ticket),
        policy=refund_policy(),
        starts_at=ticket_starts_at(ticket),
        now=now,
    )


@transaction.atomic
def ticket_cancel(*, ticket: Ticket, actor, now=None, reason="") -> Ticket:
    """The customer cancels ``ticket``. Unpaid: its order is cancelled in the checkout.
    Paid and not yet used, before the visit day starts: the policy's refund goes back
    through the checkout and the ticket becomes refunded, partially refunded or (nothing
    back) cancelled. Either way its places go back on sale.

    Locks the ticket, then the order and its lines, then the capacity row. A second
    cancel (a double click) waits for the ticket lock and is then refused with
    ``TicketNotCancellable``, so the money goes back once."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("order").get(pk=ticket.pk)
    refusal = ticket_cancel_refusal(ticket, now=now)
    if refusal or ticket.order_id is None:
        raise TicketNotCancellable(refusal or None, details={"status": ticket.status})
    before = snapshot(ticket)
    result = order_lines_cancel(
        order=ticket.order,
        lines=order_lines_for(order=ticket.order, item=ticket),
        policy=refund_policy(),
        starts_at=ticket_starts_at(ticket),
        actor=actor,
        reason=reason or "cancelled by the customer",
        now=now,
    )
    paid = result.order.status in Order.PAID_STATUSES
    ticket.status = OUTCOME_STATUS[result.outcome] if paid else Ticket.Status.CANCELLED
    ticket.save(update_fields=["status", "updated_at"])
    history.ticket_event(ticket, f"ticket.{ticket.status}", fields=("status",), actor=actor)
    _capacity_release(ticket)
    audit_log(
        actor=actor,
        action="parks.ticket.cancelled",
        obj=ticket,
        before=before,
        after=snapshot(ticket),
        data={"order": result.order.reference, "refund": str(result.refunded)},
    )
    return ticket
