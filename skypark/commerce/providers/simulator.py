"""The local simulator of a bank or wallet gateway, used while a gateway has no
credentials (``make run``, tests). It keeps the remote side in ``SimulatedPayment`` and
has the page a person uses as the bank app would: ``/pay/sim/<provider>/<reference>/``,
labelled as a simulator, with the ELQR or payment-link QR, the app link for a phone, and
buttons to approve, decline, or approve with the notification lost (to see the status
poll settle the payment).

Approving sends the same signed notification a real gateway sends, delivered in-process
to ``settling.notification_handle`` (``notification_deliver``); the notification view
at ``/pay/gateway/<provider>/notify/`` takes it over HTTP, which is how tests replay or
forge deliveries.
"""

import json
import secrets
from decimal import Decimal

from django.db import transaction
from django.urls import reverse

from ..elqr import payload as elqr_payload
from ..errors import ProviderError
from .gateway import Created, signature_header


def page_url(provider_name, reference) -> str:
    return reverse("commerce:gateway-simulator", args=[provider_name, reference])


class SimulatorClient:
    def __init__(self, provider):
        self.provider = provider

    def create(self, *, reference, amount, currency, description, return_url, notify_url, order_reference=""):
        from ..models import SimulatedPayment

        SimulatedPayment.objects.create(
            provider=self.provider.name,
            reference=reference,
            amount=amount,
            currency=currency,
            description=description[:255],
            return_url=return_url,
        )
        url = page_url(self.provider.name, reference)
        if self.provider.flow != "qr":
            return Created(redirect_url=url)
        if self.provider.name == "elqr":
            qr = elqr_payload.dynamic_payload(amount=amount, bill_number=order_reference, reference=reference)
        else:
            from .stripe import absolute

            qr = absolute(url)
        return Created(redirect_url=url, qr_payload=qr, deeplink=f"{url}?app=1")

    def status(self, *, reference) -> str:
        from ..models import SimulatedPayment

        remote = SimulatedPayment.objects.filter(provider=self.provider.name, reference=reference).first()
        if remote is None:
            return "pending"
        return {"created": "pending"}.get(remote.status, remote.status)

    def refund(self, *, reference, amount, refund_reference) -> str:
        from ..models import SimulatedPayment

        with transaction.atomic():
            remote = SimulatedPayment.objects.select_for_update().filter(reference=reference).first()
            if remote is None or remote.status != "paid" or remote.refunded + Decimal(amount) > remote.amount:
                raise ProviderError(details={"provider": self.provider.name})
            remote.refunded += Decimal(amount)
            remote.save(update_fields=["refunded"])
        return refund_reference


def notification_build(provider, remote, status) -> tuple[bytes, str]:
    body = json.dumps(
        {
            "id": f"ntf_{secrets.token_hex(8)}",
            "reference": remote.reference,
            "status": status,
            "amount": str(remote.amount),
            "currency": remote.currency,
            "transaction": f"{provider.name}_txn_{secrets.token_hex(6)}",
        },
        separators=(",", ":"),
    ).encode()
    return body, signature_header(provider.secret(), body)


def notification_deliver(provider_name, body: bytes, header: str):
    """Hands a notification to the shop (in-process, as the simulator runs inside it)."""
    from ..settling import notification_handle

    return notification_handle(provider_name, body, header)


def simulate(provider, remote, outcome, *, notify=True):
    """The person on the simulator page decided: the remote side records it and, unless
    the notification is to be lost, notifies the shop."""
    from ..models import SimulatedPayment

    with transaction.atomic():
        remote = SimulatedPayment.objects.select_for_update().get(pk=remote.pk)
        if remote.status != SimulatedPayment.Status.CREATED:
            return remote
        remote.status = SimulatedPayment.Status.PAID if outcome == "paid" else SimulatedPayment.Status.FAILED
        remote.save(update_fields=["status"])
    if notify:
        body, header = notification_build(provider, remote, remote.status)
        notification_deliver(provider.name, body, header)
    return remote
