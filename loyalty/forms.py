from django import forms
from django.utils.translation import gettext_lazy as _


class ReferralForm(forms.Form):
    code = forms.CharField(label=_("A friend's invitation code"), max_length=16)
