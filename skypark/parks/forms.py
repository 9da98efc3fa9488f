import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.core.widgets import DateInput

from .models import WHOLE_DAY

GUEST_ROWS = 4


class BuyForm(forms.Form):
    """Shape only: date, slot, which of the customer's children and up to four more
    children by age. An age alone is enough to see the price (anyone may ask); buying
    also needs each of those children's names, printed on the ticket."""

    visit_date = forms.DateField(label=_("Date"), widget=DateInput())
    slot = forms.ChoiceField(label=_("Time"), required=False)
    children = forms.MultipleChoiceField(label=_("Children"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, park, customer, placing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.placing = placing
        self.fields["visit_date"].initial = timezone.localdate() + datetime.timedelta(days=1)
        slots = list(park.slots.all())
        if slots:
            self.fields["slot"].choices = [(s.code, str(s)) for s in slots]
            self.fields["slot"].required = True
        else:
            self.fields["slot"].choices = [(WHOLE_DAY, _("Whole day"))]
        children = customer.children.filter(is_active=True) if customer.is_authenticated else []
        self.fields["children"].choices = [(str(c.pk), c.name) for c in children]
        for i in range(GUEST_ROWS):
            self.fields[f"guest_{i}_name"] = forms.CharField(
                label=_("Child %(n)s: name") % {"n": i + 1}, required=False, max_length=100
            )
            self.fields[f"guest_{i}_age"] = forms.IntegerField(
                label=_("Child %(n)s: age") % {"n": i + 1},
                required=False,
                min_value=0,
                max_value=17,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def guest_rows(self):
        return [(self[f"guest_{i}_name"], self[f"guest_{i}_age"]) for i in range(GUEST_ROWS)]

    def clean(self):
        data = super().clean()
        guests = 0
        for i in range(GUEST_ROWS):
            name, age = data.get(f"guest_{i}_name"), data.get(f"guest_{i}_age")
            if name and age is None and f"guest_{i}_age" not in self.errors:
                self.add_error(f"guest_{i}_age", _("Give this child's age."))
            elif age is not None and not name and self.placing:
                self.add_error(f"guest_{i}_name", _("Give this child's name: it is printed on the ticket."))
            guests += age is not None
        if not data.get("children") and not guests and not self.errors:
            raise forms.ValidationError(_("Choose at least one child or add a guest."))
        return data

    def visitors(self):
        visitors = [{"child_id": int(pk)} for pk in self.cleaned_data.get("children") or []]
        for i in range(GUEST_ROWS):
            age = self.cleaned_data.get(f"guest_{i}_age")
            if age is not None:
                name = self.cleaned_data.get(f"guest_{i}_name") or _("Child %(n)s") % {"n": i + 1}
                visitors.append({"name": name, "age": age})
        return visitors


class GateForm(forms.Form):
    park = forms.ModelChoiceField(label=_("Park"), queryset=None)
    gate = forms.CharField(label=_("Gate"), max_length=50, required=False)
    code = forms.CharField(
        label=_("QR code or backup code"),
        max_length=400,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "text"}),
    )

    def __init__(self, *args, **kwargs):
        from .models import Park

        super().__init__(*args, **kwargs)
        self.fields["park"].queryset = Park.objects.active().order_by("name")
