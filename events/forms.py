from django import forms
from django.utils.translation import gettext_lazy as _

from skypark.core.widgets import DateInput

from .models import Event, EventType, LeaderboardPeriod


class EventFilterForm(forms.Form):
    """Shape only: the filters of the events list (all optional, sent with GET)."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    type = forms.ChoiceField(label=_("Type"), required=False)
    price = forms.ChoiceField(
        label=_("Price"),
        required=False,
        choices=[("", _("Any")), ("free", _("Free")), ("paid", _("Paid"))],
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = EventType.objects.filter(is_active=True).order_by("name")
        self.fields["type"].choices = [("", _("Any"))] + [(t.code, t.display_name) for t in types]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "type_code": data.get("type") or "",
            "price": data.get("price") or "",
            "place": (data.get("place") or "").strip(),
        }


class LeaderboardForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False, choices=LeaderboardPeriod.choices)
    type = forms.ChoiceField(label=_("Type"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = EventType.objects.filter(is_active=True).order_by("name")
        self.fields["type"].choices = [("", _("All types"))] + [(t.code, t.display_name) for t in types]


class CheckInForm(forms.Form):
    event = forms.ModelChoiceField(label=_("Event"), queryset=Event.objects.none())
    code = forms.CharField(
        label=_("QR code or backup code"),
        max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        from .selectors import event_checkin_list

        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = event_checkin_list()


class GroupRegisterForm(forms.Form):
    """Who comes: the customer always, with any of their children ticked and adults
    (family or colleagues) named one per line; and whether a group that does not fit
    may be split."""

    children = forms.MultipleChoiceField(
        label=_("Your children coming"), required=False, widget=forms.CheckboxSelectMultiple
    )
    adults = forms.CharField(
        label=_("Adults coming with you"),
        help_text=_("One name per line: family members or colleagues."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    split_if_needed = forms.BooleanField(
        label=_("Split if needed"),
        help_text=_("If the whole group does not fit, those who fit get places and the others wait on the list."),
        required=False,
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        children = customer.children.filter(is_active=True) if customer is not None else []
        self.fields["children"].choices = [(str(child.pk), child.name) for child in children]
        if not self.fields["children"].choices:
            del self.fields["children"]

    def attendees(self) -> list[dict]:
        data = self.cleaned_data
        people = [{"child": int(pk)} for pk in data.get("children") or []]
        people += [{"name": line.strip()} for line in (data.get("adults") or "").splitlines() if line.strip()]
        return people
