"""Payment by invoice: a company pays by bank transfer against an invoice, and staff
record the money when it reaches the bank (``skypark.commerce.invoicing``). Never offered
to customers on the payment page; like the desk's card terminal, only a service that
knows the money arrived starts it."""

from django.utils.translation import gettext_lazy as _

from .base import PaymentAction, PaymentProvider, RefundResult


class InvoiceProvider(PaymentProvider):
    name = "invoice"
    label = _("Invoice (bank transfer)")
    methods = ("bank_transfer",)
    desk_only = True

    def start(self, *, payment, return_url):
        return PaymentAction(redirect_url=return_url)

    def refund(self, *, refund):
        # Paid back by bank transfer by the finance team; the refund record is the note.
        return RefundResult()
