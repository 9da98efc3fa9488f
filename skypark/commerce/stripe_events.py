"""Stripe events after the checkout: refunds made in Stripe's dashboard, disputes
(chargebacks) and failed payment attempts.

Every event Stripe sends is signed (``Stripe-Signature: t=…,v1=HMAC-SHA256``) and checked
by ``providers.stripe.webhook_event`` before it reaches here. Stripe delivers at least
once, so an event is applied once only: its id is written as a ``PaymentNotification``
(unique per provider and id) in the same transaction as the change, and a second delivery
finds it and changes nothing.

What each event does:

``charge.refunded``
    Every refund listed on the charge that the shop does not know yet (made in Stripe's
    dashboard) is recorded as a completed ``Refund``; the order's refunded total and
    status follow, ``order_refunded`` is sent (so a booking or ticket follows the order,
    as for a refund made here) and staff are alerted.
``charge.refund.updated`` / ``refund.updated`` / ``refund.failed``
    A refund Stripe could not pay out is marked failed and staff are alerted; the order
    keeps its refunded total until staff decide (the customer was told the money is
    coming back).
``charge.dispute.created`` / ``charge.dispute.updated``
    The payment and its order carry the dispute (id, reason, amount, status) in their
    metadata and staff are alerted.
``charge.dispute.closed``
    Won: the dispute is closed on the payment. Lost: the money is gone, so it is recorded
    as a refund of the disputed amount (the order and its bookings follow as above).
``payment_intent.payment_failed``
    An open payment becomes failed with Stripe's message (the order stays payable).
"""

import logging
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log, snapshot

from . import signals
from .models import Order, Payment, PaymentNotification, Refund
from .providers.stripe import ZERO_DECIMAL
from .services import _order_locked, _send_on_commit, _transition, payment_fail

logger = logging.getLogger(__name__)

PROVIDER = "stripe"
ACTOR = "provider:stripe"
REFUND_EVENTS = {"charge.refunded"}
REFUND_UPDATE_EVENTS = {"charge.refund.updated", "refund.updated", "refund.failed"}
DISPUTE_EVENTS = {"charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"}
FAILURE_EVENTS = {"payment_intent.payment_failed"}
EVENTS = REFUND_EVENTS | REFUND_UPDATE_EVENTS | DISPUTE_EVENTS | FAILURE_EVENTS
ALERT_KIND = "commerce.payment_alert"
ALERT_PERMISSION = "commerce.refund_order"


def from_minor(amount, currency: str) -> Decimal:
    value = Decimal(int(amount or 0))
    if currency.upper() in ZERO_DECIMAL:
        return value.quantize(Decimal("0.01"))
    return (value / 100).quantize(Decimal("0.01"))


def _payment_for(obj) -> Payment | None:
    """The payment a charge, refund, dispute or payment intent belongs to: by the payment
    intent Stripe reported at checkout, else by the ``payment_id`` the shop put in the
    intent's metadata."""
    intent = obj.get("payment_intent") or (obj.get("id") if obj.get("object") == "payment_intent" else "")
    if intent:
        found = Payment.objects.filter(provider=PROVIDER, metadata__stripe_payment_intent=intent).first()
        if found is not None:
            return found
    payment_id = str((obj.get("metadata") or {}).get("payment_id") or "")
    if payment_id.isdigit():
        return Payment.objects.filter(provider=PROVIDER, pk=int(payment_id)).first()
    return None


def _claim_event(event, payment) -> bool:
    """Records the event id; False when it was applied before (a redelivery)."""
    try:
        with transaction.atomic():
            PaymentNotification.objects.create(
                provider=PROVIDER,
                notification_id=event["id"],
                payment=payment,
                status=event["type"][:20],
                body={"type": event["type"], "object": event["data"]["object"].get("id", "")},
            )
    except IntegrityError:
        return False
    return True


def staff_alert(*, payment, what: str, detail: str, dedupe: str) -> int:
    """E-mail and in-app note to every active staff member who may refund orders."""
    from skypark.notify.services import notification_send

    app_label, codename = ALERT_PERMISSION.split(".")
    holds = Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label) | Q(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label
    )
    users = get_user_model().objects.filter(Q(is_superuser=True) | holds, is_active=True, is_staff=True).distinct()
    url = reverse("admin:commerce_order_change", args=[payment.order_id])
    sent = 0
    for user in users:
        notification_send(
            recipient=user,
            kind=ALERT_KIND,
            context={"order": payment.order, "payment": payment, "what": what, "detail": detail, "admin_path": url},
            channels=("email", "in_app"),
            related=payment.order,
            dedupe_key=f"{ALERT_KIND}.{dedupe}.{user.pk}"[:200],
        )
        sent += 1
    return sent


def _refund_record(*, order, payment, amount, external_id, reason, now) -> Refund:
    """Money Stripe already gave back: a completed refund, the payment refunded when
    nothing is left on it. Order and payment rows are locked by the caller."""
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        amount=amount,
        reason=reason[:255],
        status=Refund.Status.COMPLETED,
        external_id=external_id,
        metadata={"source": "stripe"},
        processed_at=now,
    )
    refunded = Refund.objects.filter(payment=payment, status=Refund.Status.COMPLETED).aggregate(s=Sum("amount"))["s"]
    if refunded >= payment.amount and payment.can_become(Payment.Status.REFUNDED):
        before = snapshot(payment)
        _transition(payment, Payment.Status.REFUNDED, what=_("Payment"))
        payment.save(update_fields=["status", "updated_at"])
        audit_log(actor=ACTOR, action="commerce.payment.refunded", obj=payment, before=before, after=snapshot(payment))
    audit_log(actor=ACTOR, action="commerce.refund.recorded", obj=refund, after=snapshot(refund))
    return refund


def _order_refunded_by(order, refunds, amount):
    if not refunds:
        return
    before = snapshot(order)
    order.refunded_total += amount
    status = Order.Status.REFUNDED if order.refunded_total >= order.total else Order.Status.PARTIALLY_REFUNDED
    _transition(order, status, what=_("Order"))
    order.save(update_fields=["status", "refunded_total", "updated_at"])
    audit_log(
        actor=ACTOR,
        action="commerce.order.refunded",
        obj=order,
        before=before,
        after=snapshot(order),
        data={"amount": str(amount), "refunds": [r.pk for r in refunds], "source": "stripe"},
    )
    _send_on_commit(signals.order_refunded, order, amount=amount, refunds=refunds)


def _charge_refunded(event, payment, now) -> str:
    charge = event["data"]["object"]
    order = _order_locked(payment.order)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    known = set(payment.refunds.exclude(external_id="").values_list("external_id", flat=True))
    refunds, total = [], Decimal("0.00")
    for item in (charge.get("refunds") or {}).get("data") or []:
        if item.get("id") in known or item.get("status") not in ("succeeded", "pending"):
            continue
        amount = from_minor(item.get("amount"), payment.currency)
        amount = min(amount, order.total - order.refunded_total - total)
        if amount <= 0:
            continue
        refunds.append(
            _refund_record(
                order=order,
                payment=payment,
                amount=amount,
                external_id=item["id"],
                reason=str(_("Refunded in Stripe")),
                now=now,
            )
        )
        total += amount
    if not refunds:
        return "known"
    _order_refunded_by(order, refunds, total)
    staff_alert(
        payment=payment,
        what=str(_("Refund made in Stripe")),
        detail=f"{total} {payment.currency}",
        dedupe=event["id"],
    )
    return "refunded"


def _refund_updated(event, payment) -> str:
    item = event["data"]["object"]
    if item.get("status") not in ("failed", "canceled"):
        return "ignored"
    refund = Refund.objects.select_for_update().filter(payment=payment, external_id=item.get("id", "")).first()
    if refund is None or refund.status == Refund.Status.FAILED:
        return "ignored"
    before = snapshot(refund)
    refund.status = Refund.Status.FAILED
    refund.metadata = {**refund.metadata, "failure_reason": item.get("failure_reason") or item.get("status")}
    refund.save(update_fields=["status", "metadata"])
    audit_log(actor=ACTOR, action="commerce.refund.failed", obj=refund, before=before, after=snapshot(refund))
    staff_alert(
        payment=payment,
        what=str(_("A refund failed at Stripe")),
        detail=f"{refund.amount} {payment.currency}: {refund.metadata['failure_reason']}",
        dedupe=event["id"],
    )
    return "refund_failed"


def _dispute(event, payment, now) -> str:
    dispute = event["data"]["object"]
    order = _order_locked(payment.order)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    amount = from_minor(dispute.get("amount"), payment.currency)
    record = {
        "id": dispute.get("id", ""),
        "reason": dispute.get("reason", ""),
        "status": dispute.get("status", ""),
        "amount": str(amount),
    }
    before = snapshot(payment)
    payment.metadata = {**payment.metadata, "stripe_dispute": record}
    payment.save(update_fields=["metadata", "updated_at"])
    order.metadata = {**order.metadata, "disputed": record}
    order.save(update_fields=["metadata", "updated_at"])
    audit_log(actor=ACTOR, action="commerce.payment.disputed", obj=payment, before=before, after=snapshot(payment))
    outcome = "disputed"
    if event["type"] == "charge.dispute.closed":
        outcome = "dispute_won" if record["status"] == "won" else "dispute_closed"
        if record["status"] == "lost":
            outcome = "dispute_lost"
            amount = min(amount, order.total - order.refunded_total)
            if amount > 0 and order.status in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
                refund = _refund_record(
                    order=order,
                    payment=payment,
                    amount=amount,
                    external_id=record["id"],
                    reason=str(_("Chargeback (dispute lost)")),
                    now=now,
                )
                _order_refunded_by(order, [refund], amount)
    what = {
        "disputed": _("The customer disputed a card payment"),
        "dispute_won": _("A dispute was won"),
        "dispute_lost": _("A dispute was lost; the money was taken back"),
        "dispute_closed": _("A dispute was closed"),
    }[outcome]
    staff_alert(
        payment=payment,
        what=str(what),
        detail=f"{record['amount']} {payment.currency}, {record['reason'] or '—'} ({record['status'] or '—'})",
        dedupe=event["id"],
    )
    return outcome


def _payment_failed(event, payment) -> str:
    if payment.status not in Payment.OPEN_STATUSES:
        return "ignored"
    intent = event["data"]["object"]
    error = intent.get("last_payment_error") or {}
    payment_fail(
        payment=payment,
        reason=error.get("message") or error.get("code") or event["type"],
        metadata={"stripe_event": event["id"], "stripe_payment_intent": intent.get("id", "")},
        actor=ACTOR,
    )
    return "failed"


def stripe_event_apply(event) -> str:
    """Applies a verified Stripe event about a refund, a dispute or a failed payment once;
    returns what was done (``duplicate`` for an event applied before, ``unknown_payment``
    for a charge the shop never took). Locks the order, then the payment, as every
    checkout service does."""
    event_type = event["type"]
    if event_type not in EVENTS:
        return "ignored"
    obj = event["data"]["object"]
    payment = _payment_for(obj)
    if payment is None:
        logger.info("Stripe %s %s names no known payment", event_type, event.get("id"))
        return "unknown_payment"
    now = timezone.now()
    with transaction.atomic():
        if not _claim_event(event, payment):
            return "duplicate"
        if event_type in REFUND_EVENTS:
            return _charge_refunded(event, payment, now)
        if event_type in REFUND_UPDATE_EVENTS:
            return _refund_updated(event, payment)
        if event_type in DISPUTE_EVENTS:
            return _dispute(event, payment, now)
        return _payment_failed(event, payment)
