"""Settling gateway payments: signed notifications, the status poll, and money that
arrives after its order expired.

- ``notification_handle``: a gateway says a payment was paid or failed. The signature
  is checked with the gateway's secret, the reference, amount and currency must match a
  payment of that gateway, and the notification's id is stored (unique) in the same
  transaction as its effect, so a replay is refused and a forged one changes nothing.
- ``payments_poll``: asks the gateway about every payment still processing (created
  more than ``POLL_AFTER`` ago, a notification may be lost or the create may have timed
  out) and about recently cancelled ones (the customer may pay a QR after the order
  expired), and settles what it hears. Run every minute by Celery beat.
- ``late_payment_settle`` (called by ``services.payment_complete``): money for an order
  that expired re-opens it when the domains can take their places back (the
  ``order_revive`` signal: a receiver returns the line kinds it took back, or refuses by
  raising a ``DomainError`` such as ``SoldOut``; every line kind of the order must be
  taken back), and the order becomes paid; otherwise, and for a cancelled order, the
  money goes back at once through the gateway.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log, snapshot
from skypark.core.errors import DomainError

from . import signals
from .errors import BadSignature, OrderNotPayable
from .models import Order, Payment, PaymentNotification
from .providers import load_provider
from .providers.gateway import GatewayProvider, signature_verify

logger = logging.getLogger(__name__)

POLL_AFTER = datetime.timedelta(seconds=60)
POLL_CANCELLED_FOR = datetime.timedelta(hours=24)


def _gateway(name) -> GatewayProvider:
    provider = load_provider(name)
    if not isinstance(provider, GatewayProvider):
        raise BadSignature(details={"provider": name})
    return provider


def _outcome_apply(payment, status, *, actor, metadata):
    from .services import payment_complete, payment_fail

    if status == "paid":
        return payment_complete(payment=payment, metadata=metadata, actor=actor)
    if status == "failed" and payment.status in Payment.OPEN_STATUSES:
        return payment_fail(payment=payment, reason=str(_("The payment was declined.")), metadata=metadata, actor=actor)
    return payment


def notification_handle(provider_name, body: bytes, header: str) -> Payment:
    """Verifies and applies one notification; returns the payment. ``BadSignature``
    (codes ``bad_signature``, ``stale_signature``, ``unknown_payment``, ``replayed``)
    for anything refused; a refusal writes nothing."""
    provider = _gateway(provider_name)
    data = signature_verify(provider.secret(), body, header)
    payment = Payment.objects.filter(provider=provider.name, external_id=str(data.get("reference", ""))).first()
    if (
        payment is None
        or not data.get("id")
        or data.get("amount") != str(payment.amount)
        or data.get("currency") != payment.currency
        or data.get("status") not in ("paid", "failed")
    ):
        raise BadSignature(_("The callback does not match a payment."), code="unknown_payment")
    actor = f"provider:{provider.name}"
    try:
        with transaction.atomic():
            PaymentNotification.objects.create(
                provider=provider.name,
                notification_id=str(data["id"])[:100],
                payment=payment,
                status=data["status"],
                body=data,
            )
            return _outcome_apply(
                payment,
                data["status"],
                actor=actor,
                metadata={f"{provider.name}_notification": data["id"], "transaction": data.get("transaction", "")},
            )
    except IntegrityError:
        raise BadSignature(_("This notification was already received."), code="replayed")


def payment_poll(payment) -> str:
    """Asks the gateway about one payment and settles it; returns what it heard."""
    provider = _gateway(payment.provider)
    try:
        status = provider.status(payment=payment)
    except DomainError as exc:
        logger.info("%s: status of payment %s unknown: %s", provider.name, payment.pk, exc.code)
        return "unknown"
    if status == "paid" and payment.status != Payment.Status.COMPLETED:
        _outcome_apply(payment, status, actor=f"poll:{provider.name}", metadata={"settled_by": "poll"})
    elif status == "failed" and payment.status in Payment.OPEN_STATUSES:
        _outcome_apply(payment, status, actor=f"poll:{provider.name}", metadata={"settled_by": "poll"})
    return status


def payments_poll(*, now=None) -> dict:
    """Polls processing gateway payments older than ``POLL_AFTER`` and cancelled ones of
    the last ``POLL_CANCELLED_FOR``. Safe to run twice: settling is idempotent."""
    from .providers import REGISTRY

    now = now or timezone.now()
    gateways = [name for name in REGISTRY if isinstance(load_provider(name), GatewayProvider)]
    candidates = Payment.objects.filter(provider__in=gateways).exclude(external_id="")
    processing = candidates.filter(status=Payment.Status.PROCESSING, created_at__lte=now - POLL_AFTER)
    cancelled = candidates.filter(status=Payment.Status.CANCELLED, updated_at__gte=now - POLL_CANCELLED_FOR)
    heard = {}
    for payment in list(processing.order_by("pk")) + list(cancelled.order_by("pk")):
        outcome = payment_poll(payment)
        heard[outcome] = heard.get(outcome, 0) + 1
    return heard


def _order_revive(order, *, now, actor) -> bool:
    """Tries to give an expired order its places back (order row locked). True when
    every domain took them; nothing is kept otherwise (savepoint)."""
    try:
        with transaction.atomic():
            responses = signals.order_revive.send(sender=Order, order=order)
            claimed = set().union(*(kinds or set() for _receiver, kinds in responses))
            if not set(order.lines.values_list("kind", flat=True)) <= claimed:
                # Some line's domain cannot take it back: nothing is handed over.
                raise OrderNotPayable(details={"status": order.status})
    except DomainError as exc:
        audit_log(actor=actor, action="commerce.order.revive_refused", obj=order, data={"reason": exc.code})
        return False
    before = snapshot(order)
    order.status = Order.Status.PAID
    order.paid_at = now
    order.save(update_fields=["status", "paid_at", "updated_at"])
    audit_log(actor=actor, action="commerce.order.revived", obj=order, before=before, after=snapshot(order))
    signals.order_paid_send(order)
    return True


def late_payment_settle(*, order, payment, actor, now, refund) -> str:
    """Money arrived for an order no longer waiting (both rows locked): ``revived`` when
    an expired order got its places back and is paid, else ``refunded`` (``refund`` is
    the services' refund-through-provider)."""
    if order.status == Order.Status.EXPIRED and _order_revive(order, now=now, actor=actor):
        return "revived"
    refund(
        order=order,
        payment=payment,
        amount=payment.amount,
        actor=actor,
        now=now,
        reason=f"payment arrived after the order was {order.status}",
    )
    return "refunded"
