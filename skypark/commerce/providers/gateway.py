"""The shape Kyrgyz bank and wallet gateways share, and the provider built on it.

MBank, O!Money (O!Деньги), Elcard e-commerce and the ELQR acquirer all work the same
way: the shop *creates* a payment at the gateway under its own reference and gets back
where to send the customer (a hosted page, a QR payload, an app deeplink); the gateway
sends a *signed notification* to the shop when the money moved; the shop can *query
the status* of a reference at any time and *refund* a paid one.

``GatewayProvider`` speaks that shape to a ``client``:

- with credentials in ``settings.PAYMENT_GATEWAYS[name]`` (``API_URL``, ``MERCHANT_ID``,
  ``SECRET``) it is ``HttpGatewayClient``: JSON over HTTPS, each request signed like the
  notifications, with ``TIMEOUT`` seconds per call;
- without them it is the local simulator (``simulator.SimulatorClient``), whose page at
  ``/pay/sim/<provider>/<reference>/`` a person uses to approve or decline, clearly
  labelled as a simulator.

Notifications are signed ``X-Signature: t=<unix time>,v1=<hex>``, the hex being
HMAC-SHA256(``SECRET``, ``f"{t}.{body}"``); a body carries ``id`` (the notification's
own id), ``reference``, ``status`` (``paid``/``failed``), ``amount`` and ``currency``.
``notification_handle`` refuses a bad or stale signature, a reference or amount that
matches no payment, and a notification id seen before (a replay), each without
changing anything; the accepted id is stored in the same transaction as its effect.

The shop never depends on a notification arriving: a create that times out leaves the
payment *processing* under the shop's own reference, and the ``payments_poll`` job
(``commerce.settling``) asks the gateway for the status of every payment still
processing and settles it.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..errors import BadSignature, ProviderError
from .base import PaymentAction, PaymentProvider, RefundResult

logger = logging.getLogger(__name__)

CALLBACK_TOLERANCE = 300
SIGNATURE_HEADER = "X-Signature"


class ProviderTimeout(ProviderError):
    code = "provider_timeout"
    default_message = _("The payment provider did not answer in time.")
    status_code = 504


@dataclass(frozen=True)
class Created:
    """What a gateway answers to *create*."""

    redirect_url: str = ""
    qr_payload: str = ""
    deeplink: str = ""


def mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={mac(secret, timestamp, body)}"


def signature_verify(secret: str, body: bytes, header: str, *, now=None) -> dict:
    """The decoded JSON object if ``header`` signs ``body`` recently enough."""
    parts = {}
    for item in (header or "").split(","):
        key, _sep, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise BadSignature()
    expected = mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        raise BadSignature()
    now = time.time() if now is None else now
    if abs(now - timestamp) > CALLBACK_TOLERANCE:
        raise BadSignature(_("The callback is too old."), code="stale_signature")
    try:
        payload = json.loads(body)
    except ValueError:
        raise BadSignature()
    if not isinstance(payload, dict):
        raise BadSignature()
    return payload


class HttpGatewayClient:
    """A gateway over HTTPS: ``POST {API_URL}/payments``, ``GET {API_URL}/payments/<ref>``,
    ``POST {API_URL}/payments/<ref>/refunds``; JSON bodies signed with ``X-Signature``."""

    def __init__(self, provider):
        self.provider = provider
        self.config = provider.config()

    def _call(self, method, path, payload=None):
        import requests

        body = json.dumps(payload or {}, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(self.config["SECRET"], body),
            "X-Merchant-Id": self.config["MERCHANT_ID"],
        }
        url = self.config["API_URL"].rstrip("/") + path
        try:
            response = requests.request(
                method, url, data=body if method == "POST" else None, headers=headers, timeout=self.config["TIMEOUT"]
            )
        except requests.Timeout:
            raise ProviderTimeout(details={"provider": self.provider.name})
        except requests.RequestException as exc:
            logger.warning("%s %s failed: %s", method, url, exc)
            raise ProviderError(details={"provider": self.provider.name})
        if response.status_code >= 400:
            raise ProviderError(details={"provider": self.provider.name, "status": response.status_code})
        return response.json()

    def create(self, *, reference, amount, currency, description, return_url, notify_url, order_reference=""):
        data = self._call(
            "POST",
            "/payments",
            {
                "reference": reference,
                "amount": str(amount),
                "currency": currency,
                "description": description,
                "return_url": return_url,
                "notify_url": notify_url,
                "order": order_reference,
            },
        )
        return Created(
            redirect_url=data.get("redirect_url", ""), qr_payload=data.get("qr", ""), deeplink=data.get("deeplink", "")
        )

    def status(self, *, reference) -> str:
        return self._call("GET", f"/payments/{reference}").get("status", "pending")

    def refund(self, *, reference, amount, refund_reference) -> str:
        return self._call("POST", f"/payments/{reference}/refunds", {"amount": str(amount), "id": refund_reference})[
            "id"
        ]


class GatewayProvider(PaymentProvider):
    """A bank or wallet gateway. Subclasses set ``name``, ``label``, ``methods`` and
    ``flow`` (``redirect``: a hosted page; ``qr``: a QR payload and an app deeplink)."""

    hosted = True
    flow = "redirect"

    def config(self) -> dict:
        config = dict(getattr(settings, "PAYMENT_GATEWAYS", {}).get(self.name, {}))
        config.setdefault("TIMEOUT", 10)
        config.setdefault("MERCHANT_ID", "")
        if not config.get("SECRET"):
            config["SECRET"] = f"{settings.SECRET_KEY}:{self.name}:simulator"
        return config

    @property
    def simulated(self) -> bool:
        config = getattr(settings, "PAYMENT_GATEWAYS", {}).get(self.name, {})
        return not (config.get("API_URL") and config.get("SECRET"))

    def is_configured(self) -> bool:
        return not self.simulated or settings.PAYMENT_SIMULATORS

    @property
    def display_label(self) -> str:
        if self.simulated:
            return str(_("%(name)s (simulator, no real money)") % {"name": self.label})
        return str(self.label)

    def client(self):
        if self.simulated:
            from .simulator import SimulatorClient

            return SimulatorClient(self)
        return HttpGatewayClient(self)

    def secret(self) -> str:
        return self.config()["SECRET"]

    def reference_new(self, payment) -> str:
        return f"{self.name}-{payment.pk}-{secrets.token_hex(4)}"

    def start(self, *, payment, return_url):
        reference = self.reference_new(payment)
        metadata = {"return_url": return_url, "flow": self.flow, "simulated": self.simulated}
        status_url = reverse("commerce:order-result", args=[payment.order.reference])
        try:
            created = self.client().create(
                reference=reference,
                amount=payment.amount,
                currency=payment.currency,
                description=str(_("Order %(reference)s") % {"reference": payment.order.reference}),
                return_url=return_url,
                notify_url=reverse("commerce:gateway-notify", args=[self.name]),
                order_reference=payment.order.reference,
            )
        except ProviderTimeout:
            # The gateway may or may not have the payment: keep our reference, leave the
            # order pending and let the status poll find out.
            logger.warning("%s: create timed out for payment %s", self.name, payment.pk)
            metadata["create_timed_out"] = True
            return PaymentAction(redirect_url=status_url, external_id=reference, metadata=metadata)
        metadata.update(qr_payload=created.qr_payload, deeplink=created.deeplink)
        if self.flow == "qr":
            # The QR and the app link are shown on the shop's own status page.
            if self.simulated:
                metadata["simulator_url"] = created.redirect_url
            return PaymentAction(redirect_url=status_url, external_id=reference, metadata=metadata)
        return PaymentAction(redirect_url=created.redirect_url or status_url, external_id=reference, metadata=metadata)

    def status(self, *, payment) -> str:
        """``paid``, ``failed`` or ``pending`` as the gateway sees ``payment`` now."""
        return self.client().status(reference=payment.external_id)

    def refund(self, *, refund):
        payment = refund.payment
        external = self.client().refund(
            reference=payment.external_id, amount=refund.amount, refund_reference=f"{payment.external_id}-r{refund.pk}"
        )
        return RefundResult(external_id=external)

    def describe(self):
        return {**super().describe(), "label": self.display_label, "simulated": self.simulated, "flow": self.flow}
