"""The customer page that confirms their phone number with a code sent by SMS. Two
plain forms (send a code; enter it), so it works without JavaScript."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from skypark.core.client_ip import client_ip

from .forms import PhoneCodeForm
from .models import PhoneCode
from .phone_verification import (
    PhoneAlreadyVerified,
    VerificationCodeInvalid,
    VerificationRateLimited,
    code_minutes,
    phone_verification_confirm,
    phone_verification_send,
)


def _next(request):
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("accounts:profile")


def _here(request):
    return f"{reverse('accounts:phone_verify')}?{urlencode({'next': _next(request)})}"


@login_required
@require_http_methods(["GET", "POST"])
def phone_verify(request):
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    form = PhoneCodeForm(request.POST if action == "confirm" else None)
    status = 200
    if action == "send":
        try:
            phone_verification_send(user=user, ip=client_ip(request))
        except PhoneAlreadyVerified:
            return redirect(_next(request))
        except VerificationRateLimited as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("We have sent a code to %(phone)s.") % {"phone": user.phone_display})
        return redirect(_here(request))
    if action == "confirm" and form.is_valid():
        try:
            phone_verification_confirm(user=user, code=form.cleaned_data["code"], ip=client_ip(request))
        except PhoneAlreadyVerified:
            return redirect(_next(request))
        except (VerificationCodeInvalid, VerificationRateLimited) as exc:
            form.add_error("code", exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("Thank you! Your phone number is confirmed."))
            return redirect(_next(request))
    elif action == "confirm":
        status = 400
    code_sent = PhoneCode.objects.filter(
        user=user, purpose=PhoneCode.Purpose.PHONE_VERIFICATION, phone=user.phone, used_at__isnull=True
    ).exists()
    context = {"form": form, "next": _next(request), "code_sent": code_sent, "minutes": code_minutes()}
    return render(request, "accounts/phone_verify.html", context, status=status)
