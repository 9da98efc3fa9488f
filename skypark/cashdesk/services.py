"""Writes of the cash desks. Lock order: the shift row, then (through the checkout) the
order row and its payments; every function re-reads the shift under its lock and
refuses a closed one, so nothing lands on a shift after its count.

Sales go through the one checkout: ``payment_start`` with the cash or the card-terminal
provider, then ``payment_complete`` once the cashier has the money, so the order, its
tickets and the customer's confirmation behave exactly as for an online payment.
Refunds go through ``order_refund``; the share of each refund that went back in cash
(a cash payment's refund) leaves the drawer. Every sale and refund gets its fiscal
receipt from ``fiscal.get_backend()`` inside the same transaction: a register that
refuses rolls the whole movement back.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.errors import InvalidAmount
from skypark.commerce.models import ZERO
from skypark.commerce.services import money, order_refund, payment_complete, payment_start

from . import fiscal
from .errors import NotEnoughCash, NotYourShift, ShiftAlreadyOpen, ShiftNotOpen
from .models import FiscalReceipt, Movement, Shift

SALE_KINDS = {
    "cash": (Movement.Kind.CASH_SALE, "cash", "cash"),
    "card": (Movement.Kind.CARD_SALE, "terminal", "card_terminal"),
}
REFUND_KINDS = {"cash": Movement.Kind.CASH_REFUND, "terminal": Movement.Kind.CARD_REFUND}


def _positive(amount, field="amount") -> Decimal:
    amount = money(amount, field=field)
    if amount <= 0:
        raise InvalidAmount(details={"field": field})
    return amount


def _shift_locked(shift, actor) -> Shift:
    shift = Shift.objects.select_for_update().select_related("desk").get(pk=shift.pk)
    if shift.status != Shift.Status.OPEN:
        raise ShiftNotOpen(details={"shift": shift.pk})
    if actor is not None and shift.cashier_id != actor.pk:
        raise NotYourShift(details={"shift": shift.pk})
    return shift


def drawer_cash(shift) -> Decimal:
    """The cash that should be in the drawer now: float + cash sales − cash refunds − pay-outs."""
    totals = dict(
        Movement.objects.filter(shift=shift).values_list("kind").annotate(s=Sum("amount")).values_list("kind", "s")
    )
    cash_in = sum((totals.get(kind, ZERO) for kind in Movement.DRAWER_IN), ZERO)
    cash_out = sum((totals.get(kind, ZERO) for kind in Movement.DRAWER_OUT), ZERO)
    return shift.float_amount + cash_in - cash_out


def _fiscalise(movement, *, kind, lines):
    backend = fiscal.get_backend()
    result = backend.register(
        desk=movement.shift.desk, kind=kind, amount=movement.amount, currency=movement.shift.desk.currency, lines=lines
    )
    return FiscalReceipt.objects.create(
        movement=movement,
        backend=backend.name,
        register_number=result.register_number,
        document_number=result.document_number,
        fiscal_sign=result.fiscal_sign,
        issued_at=result.issued_at,
        data={"kind": kind, "amount": str(movement.amount), "lines": lines},
    )


@transaction.atomic
def shift_open(*, desk, cashier, float_amount) -> Shift:
    """Opens a shift with the float counted into the drawer. One open shift per desk
    and per cashier (``ShiftAlreadyOpen``)."""
    float_amount = money(float_amount, field="float_amount")
    if float_amount < 0:
        raise InvalidAmount(details={"field": "float_amount"})
    try:
        with transaction.atomic():
            shift = Shift.objects.create(desk=desk, cashier=cashier, float_amount=float_amount)
    except IntegrityError:
        raise ShiftAlreadyOpen()
    audit_log(actor=cashier, action="cashdesk.shift.opened", obj=shift, after=snapshot(shift))
    return shift


@transaction.atomic
def desk_sale(*, shift, order, how, actor, reference="") -> Movement:
    """The customer pays ``order`` at the desk, ``how`` = ``cash`` or ``card`` (the
    desk's terminal; ``reference`` is the slip's approval code). The order must still be
    payable (the checkout refuses otherwise)."""
    shift = _shift_locked(shift, actor)
    kind, provider, method = SALE_KINDS[how]
    payment, _action = payment_start(order=order, provider=provider, method=method, actor=actor, at_desk=True)
    payment = payment_complete(
        payment=payment,
        metadata={"shift": shift.pk, "desk": shift.desk.code, "terminal_reference": reference},
        actor=actor,
    )
    movement = Movement.objects.create(
        shift=shift,
        kind=kind,
        amount=payment.amount,
        order=order,
        payment=payment,
        reference=reference[:100],
        created_by=actor,
    )
    _fiscalise(
        movement,
        kind="sale",
        lines=[
            {"description": line.description, "quantity": line.quantity, "total": str(line.total)}
            for line in order.lines.all()
        ],
    )
    audit_log(actor=actor, action="cashdesk.sale", obj=movement, after=snapshot(movement))
    return movement


@transaction.atomic
def desk_refund(*, shift, order, amount=None, reason, actor) -> list[Movement]:
    """Refunds ``order`` (everything refundable when ``amount`` is None) through the
    checkout; the parts that went back in cash leave this shift's drawer, the card
    terminal's are recorded too. Refuses a cash refund larger than the drawer holds."""
    shift = _shift_locked(shift, actor)
    refundable = order.total - order.refunded_total
    asked = refundable if amount is None else _positive(amount)
    cash_paid = order.payments.filter(provider="cash", status__in=("completed",)).exists()
    if cash_paid and asked > drawer_cash(shift):
        raise NotEnoughCash(details={"drawer": str(drawer_cash(shift)), "requested": str(asked)})
    refunds = order_refund(order=order, amount=amount, reason=reason, actor=actor)
    movements = []
    for refund in refunds:
        kind = REFUND_KINDS.get(refund.payment.provider)
        if kind is None:
            continue  # went back through an online provider: not the desk's money
        movement = Movement.objects.create(
            shift=shift,
            kind=kind,
            amount=refund.amount,
            order=order,
            refund=refund,
            reason=reason[:255],
            created_by=actor,
        )
        _fiscalise(movement, kind="refund", lines=[{"description": reason[:255], "total": str(refund.amount)}])
        audit_log(actor=actor, action="cashdesk.refund", obj=movement, after=snapshot(movement))
        movements.append(movement)
    return movements


@transaction.atomic
def desk_payout(*, shift, amount, reason, actor) -> Movement:
    """Cash taken out of the drawer for a stated reason (supplies, a collection)."""
    shift = _shift_locked(shift, actor)
    amount = _positive(amount)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidAmount(details={"field": "reason"})
    if amount > drawer_cash(shift):
        raise NotEnoughCash(details={"drawer": str(drawer_cash(shift)), "requested": str(amount)})
    movement = Movement.objects.create(
        shift=shift, kind=Movement.Kind.PAYOUT, amount=amount, reason=reason[:255], created_by=actor
    )
    audit_log(actor=actor, action="cashdesk.payout", obj=movement, after=snapshot(movement))
    return movement


@transaction.atomic
def shift_close(*, shift, counted, actor, note="") -> Shift:
    """Closes the shift with the cash counted in the drawer; stores what was expected
    and the over/short (counted − expected) and audits both."""
    shift = _shift_locked(shift, actor)
    counted = money(counted, field="counted")
    if counted < 0:
        raise InvalidAmount(details={"field": "counted"})
    before = snapshot(shift)
    shift.expected_cash = drawer_cash(shift)
    shift.counted_cash = counted
    shift.difference = counted - shift.expected_cash
    shift.status = Shift.Status.CLOSED
    shift.closed_at = timezone.now()
    shift.note = note
    shift.save()
    audit_log(
        actor=actor,
        action="cashdesk.shift.closed",
        obj=shift,
        before=before,
        after=snapshot(shift),
        data={"expected": str(shift.expected_cash), "counted": str(counted), "over_short": str(shift.difference)},
    )
    return shift
