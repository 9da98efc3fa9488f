"""The interface every payment provider implements.

A provider turns a ``Payment`` into what the customer must do next (``start``), gives
money back (``refund``) and forgets an abandoned attempt (``cancel``). Providers never
change statuses themselves: their callbacks and webhooks call the commerce services,
which own the state machine, the locks and the audit trail.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from skypark.core.formatting import format_money


@dataclass(frozen=True)
class PaymentAction:
    """What ``start`` tells the customer: follow ``redirect_url`` (hosted providers) or
    read ``instructions`` (cash at the desk)."""

    redirect_url: str = ""
    instructions: str = ""
    external_id: str = ""
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    external_id: str = ""
    metadata: dict = field(default_factory=dict)


class PaymentProvider:
    name = ""
    label = ""
    methods: tuple[str, ...] = ()
    # Hosted providers send the customer away to pay; their payment is "processing"
    # until the provider calls back.
    hosted = False

    def is_configured(self) -> bool:
        return True

    def start(self, *, payment, return_url: str) -> PaymentAction:
        raise NotImplementedError

    def refund(self, *, refund) -> RefundResult:
        raise NotImplementedError

    def cancel(self, *, payment) -> None:
        """Best effort, after commit: tell the provider we no longer accept this attempt."""

    def describe(self) -> dict:
        return {
            "name": self.name,
            "label": str(self.label),
            "methods": list(self.methods),
            "hosted": self.hosted,
            "simulated": False,
            "flow": "",
        }


class CashProvider(PaymentProvider):
    """Pay at the desk. The payment stays pending until staff confirm it in the admin."""

    name = "cash"
    label = _("Cash at the desk")
    methods = ("cash",)

    def start(self, *, payment, return_url):
        return PaymentAction(
            redirect_url=return_url,
            instructions=str(
                _("Pay %(amount)s at the desk and quote order %(reference)s.")
                % {"amount": format_money(payment.amount, payment.currency), "reference": payment.order.reference}
            ),
        )

    def refund(self, *, refund):
        # Cash goes back over the counter; the refund record is the receipt.
        return RefundResult()


class TerminalProvider(PaymentProvider):
    """A card paid on the desk's own card terminal, recorded by the cashier (the terminal
    is not connected to the shop). Only cash desks use it; customers never see it."""

    name = "terminal"
    label = _("Card terminal at the desk")
    methods = ("card_terminal",)
    desk_only = True

    def start(self, *, payment, return_url):
        return PaymentAction(redirect_url=return_url)

    def refund(self, *, refund):
        # Given back on the same terminal by the cashier; the refund record is the slip.
        return RefundResult()
