"""The back-office pages of two-factor log-in: set-up, recovery codes (shown once) and
the code asked after the password. Thin: each calls one service and renders."""

import django_otp
from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from skypark.core.client_ip import client_ip

from . import services

RECOVERY_SESSION_KEY = "staff_mfa_recovery_codes"


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "size": 12}),
    )


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def _render(request, template, title, **context):
    context = {
        **admin.site.each_context(request),
        "title": title,
        "next": _next_url(request),
        "is_nav_sidebar_enabled": False,
        **context,
    }
    return TemplateResponse(request, template, context)


def _passed(request, device):
    request.session.cycle_key()
    django_otp.login(request, device)


def setup(request):
    """QR code and secret of a new authenticator; the first code confirms it."""
    user = request.user
    if services.mfa_enrolled(user):
        return redirect(_next_url(request) if user.is_verified() else reverse("staff_mfa:verify"))
    device = services.totp_device_pending(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrol_confirm(
                user=user, device_id=device.pk, token=form.cleaned_data["token"], ip=client_ip(request)
            )
        except services.MfaAlreadyEnrolled:
            return redirect(reverse("staff_mfa:verify"))
        except (services.MfaCodeInvalid, services.MfaThrottled) as exc:
            form.add_error("token", exc.message)
        else:
            _passed(request, device)
            request.session[RECOVERY_SESSION_KEY] = codes
            return redirect(f"{reverse('staff_mfa:recovery_codes')}?next={_next_url(request)}")
    return _render(
        request,
        "admin/mfa/setup.html",
        _("Set up two-factor log-in"),
        form=form,
        qr_svg=services.totp_qr_svg(device),
        secret=services.totp_secret(device),
        required=services.mfa_required(user),
    )


def recovery_codes(request):
    """The recovery codes just issued, once: they leave the session as they are shown."""
    codes = request.session.pop(RECOVERY_SESSION_KEY, None)
    if not codes:
        return redirect(_next_url(request))
    return _render(request, "admin/mfa/recovery_codes.html", _("Your recovery codes"), codes=codes)


def verify(request):
    """The second factor after the password: an authenticator code or a recovery code."""
    user = request.user
    if not services.mfa_enrolled(user):
        return redirect(reverse("staff_mfa:setup") if services.mfa_required(user) else _next_url(request))
    if user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = services.mfa_verify(user=user, token=form.cleaned_data["token"], ip=client_ip(request))
        except (services.MfaCodeInvalid, services.MfaThrottled) as exc:
            form.add_error("token", exc.message)
            status = exc.status_code
        else:
            _passed(request, device)
            return redirect(_next_url(request))
    response = _render(request, "admin/mfa/verify.html", _("Two-factor log-in"), form=form)
    response.status_code = status
    return response
