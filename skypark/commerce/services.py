"""Writes of the checkout: one keyword-only function per use case.

Locks are always taken in the same order — the order row, then its payment rows — so two
services working on one order queue behind each other instead of deadlocking. Every
function re-reads what it locked before deciding (the caller's instance may be stale),
writes an audit entry, and sends its signal from ``transaction.on_commit`` — except
``order_paid``, sent inside the transaction that marks the order paid: its items become
active, its points are earned and the outbox records what follows, all in it (``signals``).

Provider calls (create a Stripe session, refund) happen while the order row is locked:
that is what stops two staff members refunding the same money twice. The cost is a
network round trip under a row lock, which only ever blocks work on that one order.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log, snapshot
from skypark.config.selectors import get_int
from skypark.core import loyalty
from skypark.core.formatting import format_money

from . import signals
from .errors import (
    IllegalTransition,
    InvalidAmount,
    InvalidReturnUrl,
    MethodNotSupported,
    OrderNotPayable,
    ProviderUnavailable,
    RefundTooLarge,
)
from .models import ZERO, Order, OrderLine, Payment, Refund
from .providers import DESK_ONLY, get_provider, load_provider

CENT = Decimal("0.01")
# The largest amount the money columns (12 digits, 2 of them decimals) can hold.
MAX_MONEY = Decimal("9999999999.99")
EXPIRE_TASK_NAME = "commerce: expire unpaid orders"
EXPIRE_TASK = "skypark.commerce.tasks.orders_expire_unpaid"
POLL_TASK_NAME = "commerce: poll payment gateways"
POLL_TASK = "skypark.commerce.tasks.payments_poll"


def money(value, *, field="amount") -> Decimal:
    """A Decimal with at most two decimal places. Floats are refused: they cannot hold
    money exactly, so a float here is a bug in the caller."""
    if isinstance(value, float):
        raise TypeError("Money must be a Decimal, an int or a string, not a float.")
    try:
        amount = Decimal(str(value))
        if not amount.is_finite() or abs(amount) > MAX_MONEY or amount != amount.quantize(CENT, ROUND_HALF_UP):
            raise InvalidAmount(details={"field": field})
    except (InvalidOperation, ValueError):
        raise InvalidAmount(details={"field": field})
    return amount.quantize(CENT)


def _transition(obj, status, *, what):
    if not obj.can_become(status):
        raise IllegalTransition(
            _("%(what)s %(name)s cannot go from “%(from)s” to “%(to)s”.")
            % {"what": what, "name": obj, "from": obj.status, "to": status},
            details={"from": obj.status, "to": str(status)},
        )
    obj.status = status


def _order_locked(order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _order_locked_by_id(order_id) -> Order:
    """The order locked (its row only), with its customer, whom ``order_paid``'s
    receivers need."""
    return Order.objects.select_for_update(of=("self",)).select_related("customer").get(pk=order_id)


def _send_on_commit(signal, order, **kwargs):
    transaction.on_commit(lambda: signal.send(sender=Order, order=order, **kwargs))


def _cancel_at_provider_on_commit(payments):
    for payment in payments:
        try:
            provider = load_provider(payment.provider)
        except Exception:
            continue
        transaction.on_commit(lambda provider=provider, payment=payment: provider.cancel(payment=payment))


def _open_payments_cancel(order, *, now, actor, reason):
    """Cancels the order's open payment attempts (order row must be locked)."""
    payments = list(
        Payment.objects.select_for_update().filter(order=order, status__in=Payment.OPEN_STATUSES).order_by("pk")
    )
    for payment in payments:
        before = snapshot(payment)
        _transition(payment, Payment.Status.CANCELLED, what=_("Payment"))
        payment.processed_at = now
        payment.failure_reason = reason
        payment.save(update_fields=["status", "processed_at", "failure_reason", "updated_at"])
        audit_log(actor=actor, action="commerce.payment.cancelled", obj=payment, before=before, after=snapshot(payment))
    _cancel_at_provider_on_commit(payments)
    return payments


# --- orders -----------------------------------------------------------------------------


def _line_build(order, line) -> OrderLine:
    quantity = int(line.get("quantity", 1))
    if quantity <= 0:
        raise InvalidAmount(_("A line needs a quantity of at least one."), details={"field": "quantity"})
    unit_price = money(line["unit_price"], field="unit_price")
    discount = money(line.get("discount", 0), field="discount")
    if unit_price < 0 or discount < 0 or discount > unit_price * quantity:
        raise InvalidAmount(details={"field": "discount" if discount else "unit_price"})
    if unit_price * quantity > MAX_MONEY:
        raise InvalidAmount(details={"field": "quantity"})
    item = line.get("item")
    content_type = ContentType.objects.get_for_model(item) if item is not None else line.get("content_type")
    object_id = str(item.pk) if item is not None else str(line.get("object_id") or "")
    return OrderLine(
        order=order,
        content_type=content_type,
        object_id=object_id,
        kind=line["kind"],
        description=str(line["description"])[:255],
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        total=unit_price * quantity - discount,
        metadata=line.get("metadata") or {},
    )


def order_create(
    *,
    customer,
    currency="KGS",
    lines,
    discount_total=0,
    expires_in_minutes=None,
    metadata=None,
    actor=None,
    before_lines=None,
) -> Order:
    """A new order awaiting payment, expiring after ``checkout.payment_timeout_minutes``
    (or ``expires_in_minutes``). An order that costs nothing is paid at once.

    ``lines`` are dicts: ``kind``, ``description``, ``unit_price``, optional ``quantity``,
    ``discount``, ``metadata`` and ``item`` (the model instance sold). Locks nothing:
    callers that sell capacity lock their capacity rows before calling this.

    ``before_lines(order)``, when given, is called once the order row exists and before
    its lines are written: a seller whose item stores its order (a park ticket) saves the
    item there, in one INSERT, rather than updating it afterwards. Each line's ``item``
    is read for its key after that call.

    Everything is checked before the first write, so a refusal (``InvalidAmount``)
    leaves the caller's transaction usable. The writes then join the caller's
    transaction without a savepoint of their own (two round trips saved on every
    checkout): if one of them fails, the caller's whole transaction rolls back.
    """
    lines = list(lines)
    if not lines:
        raise InvalidAmount(_("An order needs at least one line."), details={"field": "lines"})
    now = timezone.now()
    minutes = expires_in_minutes if expires_in_minutes is not None else get_int("checkout.payment_timeout_minutes")
    order = Order(customer=customer, currency=currency, metadata=metadata or {})
    built = [_line_build(order, line) for line in lines]
    order.subtotal = sum((line.total for line in built), ZERO)
    if order.subtotal > MAX_MONEY:
        raise InvalidAmount(details={"field": "lines"})
    order.discount_total = money(discount_total, field="discount_total")
    if order.discount_total < 0 or order.discount_total > order.subtotal:
        raise InvalidAmount(_("The discount is larger than the order."), details={"field": "discount_total"})
    order.total = order.subtotal - order.discount_total
    order.expires_at = now + datetime.timedelta(minutes=minutes)
    if order.total == ZERO:
        order.status = Order.Status.PAID
        order.paid_at = now
    with transaction.atomic(savepoint=False):
        order.save()
        if before_lines is not None:
            before_lines(order)
        for line, spec in zip(built, lines, strict=True):
            line.order = order
            if spec.get("item") is not None:
                line.object_id = str(spec["item"].pk)
        OrderLine.objects.bulk_create(built)
        _offers_apply(order, built, now=now)
        audit_log(
            actor=actor or customer,
            action="commerce.order.created",
            obj=order,
            after=snapshot(order),
            data={"lines": len(built)},
        )
        if order.status == Order.Status.PAID:
            # A free order: its domain writes its items after this returns, so the
            # signal waits for the commit (a payment sends it inside its transaction).
            signals.order_paid_send_on_commit(order)
    return order


def _offers_apply(order, lines, *, now):
    """The loyalty network's offers for the platform's checkout (``skypark.core.loyalty``):
    their discount comes off the order's total, recorded as part of ``discount_total``."""
    if order.status != Order.Status.PENDING_PAYMENT:
        return
    apply = getattr(loyalty.get_provider(), "offers_apply_to_order", None)
    discount = apply(order=order, lines=lines) if apply is not None else ZERO
    if not discount:
        return
    order.discount_total += discount
    order.total = order.subtotal - order.discount_total
    fields = ["discount_total", "total", "updated_at"]
    if order.total == ZERO:
        order.status, order.paid_at = Order.Status.PAID, now
        fields += ["status", "paid_at"]
    order.save(update_fields=fields)


@transaction.atomic
def order_cancel(*, order, actor=None, reason="") -> Order:
    """Cancels an unpaid order and its open payment attempts. Locks the order, then its
    payments. Raises ``IllegalTransition`` for anything but a pending order."""
    order = _order_locked(order)
    before = snapshot(order)
    _transition(order, Order.Status.CANCELLED, what=_("Order"))
    now = timezone.now()
    order.cancelled_at = now
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    _open_payments_cancel(order, now=now, actor=actor, reason="order cancelled")
    audit_log(
        actor=actor,
        action="commerce.order.cancelled",
        obj=order,
        before=before,
        after=snapshot(order),
        data={"reason": reason} if reason else None,
    )
    _send_on_commit(signals.order_cancelled, order)
    return order


def _order_expire_locked(order, *, now):
    before = snapshot(order)
    _transition(order, Order.Status.EXPIRED, what=_("Order"))
    order.save(update_fields=["status", "updated_at"])
    _open_payments_cancel(order, now=now, actor=None, reason="order expired")
    audit_log(actor=None, action="commerce.order.expired", obj=order, before=before, after=snapshot(order))
    _send_on_commit(signals.order_expired, order)


def orders_expire(*, now=None, batch_size=200) -> int:
    """Expires unpaid orders whose ``expires_at`` has passed; returns how many.

    Works in batches, each its own transaction: rows are taken with
    ``select_for_update(skip_locked=True)`` so a concurrent sweep or a payment callback
    holding an order is stepped around, and a sweep killed mid-way leaves only whole
    batches behind. Re-checks the status under the lock, so running it twice expires
    nothing the second time.
    """
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Order.objects.select_for_update(skip_locked=True)
                .filter(status=Order.Status.PENDING_PAYMENT, expires_at__lte=now)
                .order_by("expires_at", "pk")[:batch_size]
            )
            for order in batch:
                _order_expire_locked(order, now=now)
        expired += len(batch)
        if len(batch) < batch_size:
            return expired


# --- payments ---------------------------------------------------------------------------


def _return_url_clean(order, return_url) -> str:
    fallback = reverse("commerce:order-result", args=[order.reference])
    if not return_url:
        return fallback
    allowed = set(settings.ALLOWED_HOSTS) | {settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]}
    if url_has_allowed_host_and_scheme(return_url, allowed_hosts=allowed, require_https=False):
        return return_url
    raise InvalidReturnUrl(details={"field": "return_url"})


@transaction.atomic
def payment_start(*, order, provider, method, return_url="", actor=None, at_desk=False):
    """Starts paying ``order`` with ``provider``/``method``; returns ``(payment, action)``,
    where ``action`` says what the customer must do (``redirect_url``, ``instructions``).

    Locks the order, then its open payments, which are cancelled: one attempt at a time,
    so a forgotten browser tab cannot take the money twice (if it does, the late
    payment is refunded by ``payment_complete``). Desk-only providers (the card
    terminal) need ``at_desk``: only a cash desk's service starts them.
    """
    order = _order_locked(order)
    now = timezone.now()
    if order.status != Order.Status.PENDING_PAYMENT or (order.expires_at and order.expires_at <= now):
        raise OrderNotPayable(details={"status": order.status})
    if provider in DESK_ONLY and not at_desk:
        raise ProviderUnavailable(details={"provider": provider})
    backend = get_provider(provider)
    if method not in backend.methods:
        raise MethodNotSupported(details={"provider": provider, "method": method})
    return_url = _return_url_clean(order, return_url)
    _open_payments_cancel(order, now=now, actor=actor, reason="superseded by a new attempt")
    payment = Payment.objects.create(
        order=order, provider=backend.name, method=method, amount=order.total, currency=order.currency
    )
    payment.order = order
    action = backend.start(payment=payment, return_url=return_url)
    if backend.hosted:
        _transition(payment, Payment.Status.PROCESSING, what=_("Payment"))
    payment.external_id = action.external_id
    payment.metadata = {**payment.metadata, **action.metadata}
    if action.instructions:
        payment.metadata["instructions"] = action.instructions
    payment.save(update_fields=["status", "external_id", "metadata", "updated_at"])
    audit_log(actor=actor or order.customer, action="commerce.payment.started", obj=payment, after=snapshot(payment))
    return payment, action


def _refund_through_provider(*, order, payment, amount, reason, actor, now) -> Refund:
    """Records and executes one refund of ``payment`` (order and payment rows locked)."""
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        amount=amount,
        reason=reason,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    refund.payment = payment
    result = load_provider(payment.provider).refund(refund=refund)
    refund.status = Refund.Status.COMPLETED
    refund.external_id = result.external_id
    refund.metadata = result.metadata
    refund.processed_at = now
    refund.save(update_fields=["status", "external_id", "metadata", "processed_at"])
    refunded = Refund.objects.filter(payment=payment, status=Refund.Status.COMPLETED).aggregate(s=Sum("amount"))["s"]
    if refunded >= payment.amount:
        before = snapshot(payment)
        _transition(payment, Payment.Status.REFUNDED, what=_("Payment"))
        payment.save(update_fields=["status", "updated_at"])
        audit_log(actor=actor, action="commerce.payment.refunded", obj=payment, before=before, after=snapshot(payment))
    audit_log(actor=actor, action="commerce.refund.created", obj=refund, after=snapshot(refund))
    return refund


@transaction.atomic
def payment_complete(*, payment, external_id="", metadata=None, actor=None) -> Payment:
    """The provider took the money. Marks the payment completed and the order paid.

    Locks the order, then the payment. Idempotent: a second callback for a completed
    payment changes nothing. If the order is no longer waiting (it expired, was cancelled
    or another attempt paid it), ``settling.late_payment_settle`` decides: an expired
    order whose places are still free becomes paid, anything else gets the money back
    at once through the provider.
    """
    order = _order_locked_by_id(payment.order_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status in (Payment.Status.COMPLETED, Payment.Status.REFUNDED):
        return payment
    now = timezone.now()
    before = snapshot(payment)
    _transition(payment, Payment.Status.COMPLETED, what=_("Payment"))
    payment.processed_at = now
    payment.failure_reason = ""
    if external_id and not payment.external_id:
        payment.external_id = external_id
    payment.metadata = {**payment.metadata, **(metadata or {})}
    late = order.status != Order.Status.PENDING_PAYMENT
    if late:
        payment.metadata["late"] = True
    payment.save(update_fields=["status", "processed_at", "failure_reason", "external_id", "metadata", "updated_at"])
    if late:
        from .settling import late_payment_settle

        audit_log(actor=actor, action="commerce.payment.completed", obj=payment, before=before, after=snapshot(payment))
        late_payment_settle(order=order, payment=payment, actor=actor, now=now, refund=_refund_through_provider)
        return payment
    order_before = snapshot(order)
    _transition(order, Order.Status.PAID, what=_("Order"))
    order.paid_at = now
    order.save(update_fields=["status", "paid_at", "updated_at"])
    # One business action, one audit entry: the payment that paid the order is recorded
    # in the order's entry (a late payment, which pays nothing, has its own above).
    audit_log(
        actor=actor,
        action="commerce.order.paid",
        obj=order,
        before=order_before,
        after=snapshot(order),
        data={"payment": payment.pk, "payment_before": before, "payment_after": snapshot(payment)},
    )
    signals.order_paid_send(order)
    return payment


@transaction.atomic
def payment_fail(*, payment, reason="", metadata=None, actor=None) -> Payment:
    """The provider refused the payment. The order stays payable. Locks the order, then
    the payment. A second failure report changes nothing; a failure reported for a
    completed payment raises ``IllegalTransition``."""
    _order_locked_by_id(payment.order_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == Payment.Status.FAILED:
        return payment
    before = snapshot(payment)
    _transition(payment, Payment.Status.FAILED, what=_("Payment"))
    payment.failure_reason = str(reason)[:2000]
    payment.processed_at = timezone.now()
    payment.metadata = {**payment.metadata, **(metadata or {})}
    payment.save(update_fields=["status", "failure_reason", "processed_at", "metadata", "updated_at"])
    audit_log(actor=actor, action="commerce.payment.failed", obj=payment, before=before, after=snapshot(payment))
    return payment


@transaction.atomic
def payment_confirm_cash(*, payment, actor) -> Payment:
    """Staff took the cash for a pending cash payment. Locks the order, then the payment.
    Refuses payments that are not pending cash, and orders no longer waiting for money
    (staff should hand the cash back rather than record it)."""
    order = _order_locked(payment.order)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.provider != "cash" or payment.status != Payment.Status.PENDING:
        raise IllegalTransition(
            _("Only a pending cash payment can be confirmed; payment %(payment)s is %(status)s.")
            % {"payment": payment.pk, "status": payment.get_status_display()},
            details={"from": payment.status, "to": Payment.Status.COMPLETED},
        )
    if order.status != Order.Status.PENDING_PAYMENT:
        raise IllegalTransition(
            _("Order %(reference)s is %(status)s and no longer takes payments.")
            % {"reference": order.reference, "status": order.get_status_display()},
            details={"from": order.status, "to": Order.Status.PAID},
        )
    return payment_complete(payment=payment, metadata={"confirmed_by": actor.pk}, actor=actor)


# --- refunds ----------------------------------------------------------------------------


@transaction.atomic
def order_refund(*, order, amount=None, reason="", actor=None) -> list[Refund]:
    """Gives back ``amount`` (everything still refundable when None) through the
    providers that took the money, oldest payment first. Locks the order, then its
    completed payments. Refuses an order that is not paid (``IllegalTransition``) and an
    amount above what is left (``RefundTooLarge``)."""
    order = _order_locked(order)
    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
        raise IllegalTransition(
            _("Order %(reference)s is %(status)s; only paid orders can be refunded.")
            % {"reference": order.reference, "status": order.get_status_display()},
            details={"from": order.status, "to": Order.Status.REFUNDED},
        )
    refundable = order.total - order.refunded_total
    amount = refundable if amount is None else money(amount)
    if amount <= 0:
        raise InvalidAmount(_("A refund must be more than zero."))
    if amount > refundable:
        raise RefundTooLarge(
            _("At most %(refundable)s can still be refunded.")
            % {"refundable": format_money(refundable, order.currency)},
            details={"refundable": str(refundable), "requested": str(amount)},
        )
    now = timezone.now()
    before = snapshot(order)
    payments = list(
        Payment.objects.select_for_update().filter(order=order, status=Payment.Status.COMPLETED).order_by("pk")
    )
    refunds, left = [], amount
    for payment in payments:
        already = payment.refunds.filter(status=Refund.Status.COMPLETED).aggregate(s=Sum("amount"))["s"] or ZERO
        part = min(left, payment.amount - already)
        if part <= 0:
            continue
        refunds.append(
            _refund_through_provider(order=order, payment=payment, amount=part, reason=reason, actor=actor, now=now)
        )
        left -= part
        if left == 0:
            break
    if left > 0:
        raise RefundTooLarge(details={"refundable": str(amount - left), "requested": str(amount)})
    order.refunded_total += amount
    status = Order.Status.REFUNDED if order.refunded_total == order.total else Order.Status.PARTIALLY_REFUNDED
    _transition(order, status, what=_("Order"))
    order.save(update_fields=["status", "refunded_total", "updated_at"])
    audit_log(
        actor=actor,
        action="commerce.order.refunded",
        obj=order,
        before=before,
        after=snapshot(order),
        data={"amount": str(amount), "reason": reason, "refunds": [r.pk for r in refunds]},
    )
    _send_on_commit(signals.order_refunded, order, amount=amount, refunds=refunds)
    return refunds


# --- schedules --------------------------------------------------------------------------


@transaction.atomic
def schedules_install():
    """Registers the checkout's periodic tasks with django-celery-beat. Safe to call any
    number of times (the demo seed calls it on every run)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_minute, _created = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    task, _created = PeriodicTask.objects.update_or_create(
        name=EXPIRE_TASK_NAME,
        defaults={"task": EXPIRE_TASK, "interval": every_minute, "enabled": True, "crontab": None},
    )
    PeriodicTask.objects.update_or_create(
        name=POLL_TASK_NAME,
        defaults={"task": POLL_TASK, "interval": every_minute, "enabled": True, "crontab": None},
    )
    return task
