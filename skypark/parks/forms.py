import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.core.widgets import DateInput

from .models import WHOLE_DAY


class BuyForm(forms.Form):
    """Shape only: date, slot, which children and up to two named guests."""

    visit_date = forms.DateField(label=_("Date"), widget=DateInput())
    slot = forms.ChoiceField(label=_("Time"), required=False)
    children = forms.MultipleChoiceField(label=_("Children"), required=False, widget=forms.CheckboxSelectMultiple)
    guest_name = forms.CharField(label=_("Guest's name"), required=False, max_length=100)
    guest_age = forms.IntegerField(label=_("Guest's age"), required=False, min_value=0, max_value=17)

    def __init__(self, *args, park, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit_date"].initial = timezone.localdate() + datetime.timedelta(days=1)
        slots = list(park.slots.all())
        if slots:
            self.fields["slot"].choices = [(s.code, str(s)) for s in slots]
            self.fields["slot"].required = True
        else:
            self.fields["slot"].choices = [(WHOLE_DAY, _("Whole day"))]
        children = customer.children.filter(is_active=True) if customer.is_authenticated else []
        self.fields["children"].choices = [(str(c.pk), c.name) for c in children]

    def clean(self):
        data = super().clean()
        if bool(data.get("guest_name")) != (data.get("guest_age") is not None):
            raise forms.ValidationError(_("A guest needs both a name and an age."))
        if not data.get("children") and not data.get("guest_name"):
            raise forms.ValidationError(_("Choose at least one child or add a guest."))
        return data

    def visitors(self):
        visitors = [{"child_id": int(pk)} for pk in self.cleaned_data.get("children") or []]
        if self.cleaned_data.get("guest_name"):
            visitors.append({"name": self.cleaned_data["guest_name"], "age": self.cleaned_data["guest_age"]})
        return visitors


class GateForm(forms.Form):
    park = forms.ModelChoiceField(label=_("Park"), queryset=None)
    gate = forms.CharField(label=_("Gate"), max_length=50, required=False)
    code = forms.CharField(
        label=_("QR code or backup code"),
        max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "text"}),
    )

    def __init__(self, *args, **kwargs):
        from .models import Park

        super().__init__(*args, **kwargs)
        self.fields["park"].queryset = Park.objects.active().order_by("name")
