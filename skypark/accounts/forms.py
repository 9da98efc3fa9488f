"""Forms for the customer pages. They check the shape of the input; the services write."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from skypark.core.widgets import DateInput

from .lockout import LOCKED_MESSAGE, is_locked_out
from .models import Child, Language, User
from .phones import normalise_phone

LOGIN_MAX_LENGTH = 254


class CustomerForm(forms.Form):
    required_css_class = "field--required"
    error_css_class = "field--error"


class LockoutMessageMixin:
    """Says so when the log-in lockout (``skypark.accounts.lockout``) refused the
    attempt, instead of "wrong password"; the same for known and unknown logins."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if is_locked_out(self.request):
                raise ValidationError(LOCKED_MESSAGE, code="too_many_attempts") from None
            raise


class StaffLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's log-in form, under the same lockout as the customers' one."""


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """Log in with a phone number in any common spelling, or an e-mail address."""

    required_css_class = "field--required"
    error_css_class = "field--error"

    username = forms.CharField(
        label=_("Phone or e-mail"),
        help_text=_("For example +996 555 123 456 or name@example.com"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The phone, e-mail or password is not right. Please check them and try again."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # AuthenticationForm sizes the field after the phone column; e-mails are longer.
        self.fields["username"].max_length = LOGIN_MAX_LENGTH
        self.fields["username"].widget.attrs["maxlength"] = LOGIN_MAX_LENGTH


def _language_field():
    # Each language in its own words, so that anyone can find theirs.
    choices = [(code, capfirst(get_language_info(code)["name_local"])) for code in Language.values]
    return forms.ChoiceField(label=_("Language"), choices=choices)


class SignupForm(CustomerForm):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        help_text=_("You will log in with it. For example +996 555 123 456."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    name = forms.CharField(label=_("Your name"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Needed if you forget your password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = _language_field()
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters; not only digits and not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = (get_language() or "").split("-")[0]
        if current in Language.values:
            self.fields["language"].initial = current

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            candidate = User(
                phone=cleaned.get("phone") or "", name=cleaned.get("name") or "", email=cleaned.get("email")
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ProfileForm(CustomerForm):
    name = forms.CharField(label=_("Your name"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Needed if you forget your password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = _language_field()
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=DateInput(attrs={"autocomplete": "bday"}),
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise ValidationError(_("The birth date cannot be in the future."))
        return value


class ChildForm(CustomerForm):
    name = forms.CharField(label=_("Child's name"), max_length=255)
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", _("Not specified")), (Child.Gender.MALE, _("Boy")), (Child.Gender.FEMALE, _("Girl"))],
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class PasswordResetSmsForm(CustomerForm):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        help_text=_("The number you signed up with, for example +996 555 123 456."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "autofocus": True}),
    )

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])


class PasswordResetSmsConfirmForm(CustomerForm):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        help_text=_("Six digits."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True, "size": 8}
        ),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 8 characters; not only digits and not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_code(self):
        return "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if password1 and password2 and password1 != password2:
            self.add_error("new_password2", _("The two passwords do not match."))
        elif password1:
            try:
                password_validation.validate_password(password1)
            except ValidationError as exc:
                self.add_error("new_password1", exc)
        return cleaned


class PhoneCodeForm(CustomerForm):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        help_text=_("Six digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}),
    )
