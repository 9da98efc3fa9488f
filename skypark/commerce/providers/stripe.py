"""Stripe Checkout. Switched on by ``STRIPE_SECRET_KEY``; the webhook at
``/pay/stripe/webhook/`` needs ``STRIPE_WEBHOOK_SECRET``.

``start`` creates a Checkout Session and sends the customer to its URL; Stripe reports the
outcome to the webhook, which is verified with ``stripe.Webhook.construct_event``. The
calls that reach Stripe's servers are the ``session_create``, ``session_expire`` and
``refund_create`` methods, so tests replace exactly those and nothing else.
"""

import logging
from decimal import Decimal
from urllib.parse import urljoin

import stripe
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..errors import BadSignature, ProviderError
from .base import PaymentAction, PaymentProvider, RefundResult

logger = logging.getLogger(__name__)

# Currencies Stripe counts in whole units (no minor unit); all others are in cents.
ZERO_DECIMAL = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}


def minor_units(amount: Decimal, currency: str) -> int:
    if currency.upper() in ZERO_DECIMAL:
        return int(amount.to_integral_value())
    return int((amount * 100).to_integral_value())


def absolute(url: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", url)


class StripeProvider(PaymentProvider):
    name = "stripe"
    label = _("Card (Stripe)")
    methods = ("visa", "mastercard")
    hosted = True

    def is_configured(self):
        return bool(settings.STRIPE_SECRET_KEY)

    def start(self, *, payment, return_url):
        order = payment.order
        params = {
            "mode": "payment",
            "client_reference_id": order.reference,
            "success_url": absolute(return_url),
            "cancel_url": absolute(return_url),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": payment.currency.lower(),
                        "unit_amount": minor_units(payment.amount, payment.currency),
                        "product_data": {"name": str(_("Order %(reference)s") % {"reference": order.reference})},
                    },
                }
            ],
            "metadata": {"payment_id": str(payment.pk), "order": order.reference},
            "payment_intent_data": {"metadata": {"payment_id": str(payment.pk), "order": order.reference}},
        }
        try:
            session = self.session_create(params, idempotency_key=f"skypark-payment-{payment.pk}")
        except stripe.StripeError as exc:
            logger.warning("Stripe session for payment %s failed: %s", payment.pk, exc)
            raise ProviderError(details={"provider": self.name})
        return PaymentAction(
            redirect_url=session["url"], external_id=session["id"], metadata={"return_url": return_url}
        )

    def refund(self, *, refund):
        intent = refund.payment.metadata.get("stripe_payment_intent")
        if not intent:
            raise ProviderError(_("Stripe did not report a payment intent for this payment."))
        try:
            result = self.refund_create(
                {"payment_intent": intent, "amount": minor_units(refund.amount, refund.payment.currency)},
                idempotency_key=f"skypark-refund-{refund.pk}",
            )
        except stripe.StripeError as exc:
            logger.warning("Stripe refund %s failed: %s", refund.pk, exc)
            raise ProviderError(details={"provider": self.name})
        return RefundResult(external_id=result["id"], metadata={"stripe_status": result.get("status")})

    def cancel(self, *, payment):
        if not payment.external_id:
            return
        try:
            self.session_expire(payment.external_id)
        except stripe.StripeError as exc:
            # An already completed or expired session refuses; the webhook tells the truth.
            logger.info("Stripe session %s not expired: %s", payment.external_id, exc)

    def session_create(self, params, *, idempotency_key):
        return stripe.checkout.Session.create(
            api_key=settings.STRIPE_SECRET_KEY, idempotency_key=idempotency_key, **params
        )

    def session_expire(self, session_id):
        return stripe.checkout.Session.expire(session_id, api_key=settings.STRIPE_SECRET_KEY)

    def refund_create(self, params, *, idempotency_key):
        return stripe.Refund.create(api_key=settings.STRIPE_SECRET_KEY, idempotency_key=idempotency_key, **params)


def webhook_event(payload: bytes, sig_header: str):
    """The verified Stripe event, or ``BadSignature``."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise BadSignature(_("Stripe webhooks are not configured."))
    try:
        return stripe.Webhook.construct_event(payload, sig_header or "", secret)
    except (ValueError, stripe.SignatureVerificationError):
        raise BadSignature()


COMPLETED_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
FAILED_EVENTS = {"checkout.session.async_payment_failed", "checkout.session.expired"}


def webhook_handle(event) -> str:
    """Apply a verified event; returns what was done (for the response and the logs)."""
    from ..models import Payment
    from ..services import payment_complete, payment_fail
    from ..stripe_events import EVENTS as AFTER_CHECKOUT_EVENTS
    from ..stripe_events import stripe_event_apply

    event_type = event["type"]
    if event_type in AFTER_CHECKOUT_EVENTS:
        return stripe_event_apply(event)
    if event_type not in COMPLETED_EVENTS | FAILED_EVENTS:
        return "ignored"
    session = event["data"]["object"]
    payment = Payment.objects.filter(provider=StripeProvider.name, external_id=session["id"]).first()
    if payment is None:
        return "unknown_session"
    meta = {"stripe_event": event["id"], "stripe_payment_intent": session.get("payment_intent") or ""}
    if event_type in COMPLETED_EVENTS:
        if session.get("payment_status") not in ("paid", "no_payment_required"):
            # Delayed methods complete later with async_payment_succeeded.
            return "waiting"
        payment_complete(payment=payment, external_id=session["id"], metadata=meta, actor="provider:stripe")
        return "completed"
    if payment.status in Payment.OPEN_STATUSES:
        payment_fail(payment=payment, reason=event_type, metadata=meta, actor="provider:stripe")
        return "failed"
    return "ignored"
