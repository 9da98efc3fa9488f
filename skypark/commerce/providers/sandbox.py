"""A local stand-in for a card acquirer.

It has what a real acquirer has: a hosted payment page (``/pay/sandbox/<token>/``) where
the customer types a card, a signed server callback that tells the shop the outcome, and
a redirect of the browser back to the shop. Test cards: ``4242 4242 4242 4242`` is
approved, ``4000 0000 0000 0002`` is declined.

The callback is signed like Stripe's webhooks: header ``t=<unix time>,v1=<hex>`` where the
hex is HMAC-SHA256(``SANDBOX_PAYMENT_SECRET``, ``f"{t}.{body}"``). The shop checks it with
``hmac.compare_digest`` and refuses a timestamp older than ``CALLBACK_TOLERANCE`` seconds,
so a captured callback cannot be replayed later; a duplicate delivery inside the window
is harmless because completing a payment is idempotent.

Because this acquirer lives inside the shop's own process, "delivering" the callback is
a direct call of the same handler the callback view uses (``callback_deliver``); the view
at ``/pay/sandbox/callback/`` takes the same signed body over HTTP, which is how scripts
and tests replay or forge deliveries.
"""

import hashlib
import hmac
import json
import secrets
import time

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..errors import BadSignature
from .base import PaymentAction, PaymentProvider, RefundResult

PAGE_SALT = "skypark.commerce.sandbox.page"
PAGE_MAX_AGE = 60 * 60
CALLBACK_TOLERANCE = 300
CARD_APPROVED = "4242424242424242"
CARD_DECLINED = "4000000000000002"
TEST_CARDS = {CARD_APPROVED: "succeeded", CARD_DECLINED: "declined"}


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    label = _("Bank card (sandbox)")
    methods = ("visa", "mastercard")
    hosted = True

    def start(self, *, payment, return_url):
        token = signing.dumps(payment.pk, salt=PAGE_SALT, compress=True)
        session = f"sbx_{secrets.token_hex(12)}"
        # The session id rides on the page link, as an acquirer's hosted-page links carry
        # theirs; it is no secret (the callback is signed), and the page ignores it.
        return PaymentAction(
            redirect_url=reverse("commerce:sandbox-page", args=[token]) + f"?session={session}",
            external_id=session,
            metadata={"return_url": return_url},
        )

    def refund(self, *, refund):
        return RefundResult(external_id=f"sbxr_{secrets.token_hex(12)}")


def page_token_read(token) -> int:
    """The payment id a hosted-page token stands for, or ``BadSignature``."""
    try:
        return int(signing.loads(token, salt=PAGE_SALT, max_age=PAGE_MAX_AGE))
    except (signing.BadSignature, TypeError, ValueError):
        raise BadSignature()


def card_outcome(card_number) -> str | None:
    """``"succeeded"``, ``"declined"``, or None for a number that is not a test card."""
    return TEST_CARDS.get("".join(ch for ch in str(card_number) if ch.isdigit()))


def _secret() -> bytes:
    return settings.SANDBOX_PAYMENT_SECRET.encode()


def _mac(timestamp: int, body: bytes) -> str:
    return hmac.new(_secret(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_mac(timestamp, body)}"


def signature_verify(body: bytes, header: str, *, tolerance=CALLBACK_TOLERANCE, now=None) -> dict:
    """The decoded callback if ``header`` signs ``body`` recently enough, else ``BadSignature``."""
    parts = {}
    for item in (header or "").split(","):
        key, _sep, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise BadSignature()
    expected = _mac(timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        raise BadSignature()
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise BadSignature(_("The callback is too old."), code="stale_signature")
    try:
        payload = json.loads(body)
    except ValueError:
        raise BadSignature()
    if not isinstance(payload, dict):
        raise BadSignature()
    return payload


def callback_build(payment, outcome) -> tuple[bytes, str]:
    """The signed callback the acquirer sends for ``payment``."""
    body = json.dumps(
        {
            "id": f"evt_{secrets.token_hex(8)}",
            "type": "payment.succeeded" if outcome == "succeeded" else "payment.declined",
            "payment_id": payment.pk,
            "session": payment.external_id,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "transaction": f"sbxt_{secrets.token_hex(8)}",
        },
        separators=(",", ":"),
    ).encode()
    return body, signature_header(body)


def callback_handle(body: bytes, header: str):
    """Verify a callback and apply it; returns the payment. Raises ``BadSignature`` for
    anything unsigned, badly signed, stale or not matching the payment it names."""
    from ..models import Payment
    from ..services import payment_complete, payment_fail

    payload = signature_verify(body, header)
    payment = Payment.objects.filter(pk=payload.get("payment_id"), provider=SandboxProvider.name).first()
    if (
        payment is None
        or payload.get("session") != payment.external_id
        or payload.get("amount") != str(payment.amount)
        or payload.get("currency") != payment.currency
    ):
        raise BadSignature(_("The callback does not match a payment."), code="unknown_payment")
    meta = {"sandbox_transaction": payload.get("transaction"), "sandbox_event": payload.get("id")}
    if payload.get("type") == "payment.succeeded":
        return payment_complete(
            payment=payment, external_id=payment.external_id, metadata=meta, actor="provider:sandbox"
        )
    return payment_fail(
        payment=payment, reason=str(_("The card was declined.")), metadata=meta, actor="provider:sandbox"
    )


def callback_deliver(body: bytes, header: str):
    """Deliver a callback to the shop. In-process, since the sandbox runs inside the shop."""
    return callback_handle(body, header)
