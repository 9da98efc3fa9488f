from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CashDesk

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class OpenShiftForm(forms.Form):
    desk = forms.ModelChoiceField(label=_("Cash desk"), queryset=CashDesk.objects.filter(is_active=True))
    float_amount = forms.DecimalField(label=_("Float in the drawer"), **MONEY)


class SaleForm(forms.Form):
    order = forms.CharField(label=_("Order reference"), max_length=20)
    how = forms.ChoiceField(
        label=_("Paid by"),
        choices=[("cash", _("Cash")), ("card", _("Card on the desk terminal"))],
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(label=_("Terminal slip approval code"), max_length=100, required=False)


class RefundForm(forms.Form):
    order = forms.CharField(label=_("Order reference"), max_length=20)
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        help_text=_("Leave empty to refund everything that is still refundable."),
        **MONEY,
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)


class PayoutForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    reason = forms.CharField(label=_("Reason"), max_length=255)


class CloseForm(forms.Form):
    counted = forms.DecimalField(label=_("Cash counted in the drawer"), **MONEY)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
