from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from skypark.accounts.phones import normalise_phone
from skypark.core.widgets import DateInput
from skypark.parks.models import WHOLE_DAY, Park, TimeSlot

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


class WalkInForm(forms.Form):
    """A walk-in customer's tickets: park, day, slot (where the park has slots), the
    children's ages (and names), an optional phone, and how they pay."""

    park = forms.ModelChoiceField(label=_("Park"), queryset=Park.objects.active().order_by("name"))
    visit_date = forms.DateField(label=_("Visit date"), widget=DateInput())
    slot = forms.ChoiceField(
        label=_("Time"), required=False, help_text=_("Only for a park that sells parts of the day.")
    )
    ages = forms.CharField(
        label=_("Children's ages"), max_length=100, help_text=_("Separated by commas, e.g. 2, 5, 7.")
    )
    names = forms.CharField(
        label=_("Children's names"), max_length=500, required=False, help_text=_("Optional, in the same order.")
    )
    phone = forms.CharField(
        label=_("Customer's phone"),
        max_length=30,
        required=False,
        help_text=_("Optional: the tickets go to the customer's account if they have one."),
    )
    how = forms.ChoiceField(
        label=_("Paid by"),
        choices=[("cash", _("Cash")), ("card", _("Card on the desk terminal"))],
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(label=_("Terminal slip approval code"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        slots = TimeSlot.objects.filter(is_active=True, park__is_active=True).select_related("park")
        self.fields["slot"].choices = [("", _("Whole day"))] + [
            (f"{s.park_id}:{s.code}", f"{s.park.name}: {s}") for s in slots
        ]

    def clean_ages(self):
        try:
            ages = [int(part) for part in self.cleaned_data["ages"].replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Enter the ages as whole numbers separated by commas."))
        if not ages or any(not 0 <= age <= 17 for age in ages):
            raise forms.ValidationError(_("Each age must be from 0 to 17."))
        return ages

    def clean_names(self):
        return [part.strip() for part in self.cleaned_data["names"].split(",")]

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone:
            try:
                normalise_phone(phone)
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.messages)
        return phone

    def clean(self):
        data = super().clean()
        park, slot = data.get("park"), data.get("slot") or ""
        if park is None:
            return data
        has_slots = park.slots.filter(is_active=True).exists()
        if slot:
            park_id, _sep, code = slot.partition(":")
            if park_id != str(park.pk):
                self.add_error("slot", _("This time belongs to another park."))
            data["slot_code"] = code
        elif has_slots:
            self.add_error("slot", _("Choose a time: this park sells parts of the day."))
        else:
            data["slot_code"] = WHOLE_DAY
        return data
