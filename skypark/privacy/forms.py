from django import forms
from django.utils.translation import gettext_lazy as _

from skypark.accounts.forms import CustomerForm


class ErasureConfirmForm(CustomerForm):
    """The customer confirms with their password, so an unattended session cannot do it."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label=_("I understand that my account will be closed and my personal data erased for good."),
        required=True,
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not right."), code="wrong_password")
        return password
