from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PaymentMethod
from .providers import enabled_providers
from .providers.sandbox import card_outcome

# The words in each method's logo area (brand names, not translated).
LOGO_TEXT = {
    "elqr": "ELQR",
    "mbank": "MBANK",
    "omoney": "O!",
    "elcard": "ELCARD",
    "visa": "VISA",
    "mastercard": "MC",
    "cash": "KGS",
}


def _label(provider, method, labels) -> str:
    # A gateway is its method (ELQR, MBank, O!Money, Elcard) and says so under its own
    # name; a card acquirer names the card and itself.
    if getattr(provider, "display_label", None) and provider.methods == (method,):
        return provider.display_label
    return f"{labels.get(method, method)} — {provider.label}"


def payment_options():
    """``(value, label, method)`` for every ``provider:method`` the customer can pick."""
    labels = dict(PaymentMethod.choices)
    return [
        (f"{provider.name}:{method}", _label(provider, method, labels), method)
        for provider in enabled_providers()
        for method in provider.methods
    ]


def payment_choices():
    """``provider:method`` pairs the customer can pick, labelled for people."""
    return [(value, label) for value, label, _method in payment_options()]


class PaymentChoiceForm(forms.Form):
    choice = forms.ChoiceField(label=_("How would you like to pay?"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = payment_choices()

    def options(self):
        """Each radio with the method it pays by and the short name in its logo area."""
        methods = {value: method for value, _label, method in payment_options()}
        return [
            (radio, methods.get(radio.data["value"], ""), LOGO_TEXT.get(methods.get(radio.data["value"], ""), ""))
            for radio in self["choice"]
        ]

    def provider_and_method(self):
        provider, _sep, method = self.cleaned_data["choice"].partition(":")
        return provider, method


class SandboxCardForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
        help_text=_("Test cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is declined."),
    )
    expiry = forms.RegexField(
        label=_("Expiry (MM/YY)"),
        regex=r"^(0[1-9]|1[0-2])\s*/\s*\d{2}$",
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": "12/30"}),
        error_messages={"invalid": _("Enter the expiry as MM/YY.")},
    )
    cvc = forms.RegexField(
        label=_("CVC"),
        regex=r"^\d{3,4}$",
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
        error_messages={"invalid": _("Enter the 3 or 4 digits on the back of the card.")},
    )
    holder = forms.CharField(
        label=_("Name on card"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name"}),
    )

    def clean_card_number(self):
        number = self.cleaned_data["card_number"]
        outcome = card_outcome(number)
        if outcome is None:
            raise forms.ValidationError(_("This is the sandbox: use one of the test card numbers."))
        self.outcome = outcome
        return number


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Leave empty to refund everything that is still refundable."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)
