"""The sign-up pages: the customer's details, then the code sent by SMS to their phone
(``skypark.accounts.signup``). Between the two steps the details wait in the session,
the password only as Django's hash of it. Both steps are plain forms, so they work
without JavaScript, and the second answers the same whether or not the number is
already a customer's."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from skypark.core.client_ip import client_ip
from skypark.core.errors import DomainError

from .forms import PhoneCodeForm, SignupForm
from .phones import format_phone
from .signup import SignupRateLimited, code_minutes, signup_code_send, signup_complete
from .views import add_service_error

PENDING = "signup.pending"


def _safe_next(request) -> str:
    """The page to go back to after signing up (as the log-in page does), if it is ours."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _send(request, pending) -> bool:
    """Asks for a code for the pending sign-up; False (with a message) past a limit."""
    try:
        signup_code_send(phone=pending["phone"], ip=client_ip(request), language=pending["language"])
    except SignupRateLimited as exc:
        messages.error(request, exc.message)
        return False
    return True


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    pending = request.session.get(PENDING) or {}
    initial = {key: pending.get(key) for key in ("phone", "name", "email", "language") if pending.get(key)}
    form = SignupForm(request.POST or None, initial=initial)
    next_url = _safe_next(request) or pending.get("next", "")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pending = {
            "phone": data["phone"],
            "name": data["name"],
            "email": data["email"] or "",
            "language": data["language"],
            "password_hash": make_password(data["password1"]),
            "next": next_url,
        }
        request.session[PENDING] = pending
        _send(request, pending)
        return redirect("accounts:signup_confirm")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def signup_confirm(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("accounts:signup")
    action = request.POST.get("action") if request.method == "POST" else None
    form = PhoneCodeForm(request.POST if action == "confirm" else None)
    status = 200
    if action == "send":
        if _send(request, pending):
            messages.success(request, _("We have sent a new code."))
        return redirect("accounts:signup_confirm")
    if action == "confirm" and form.is_valid():
        try:
            user = signup_complete(
                phone=pending["phone"],
                code=form.cleaned_data["code"],
                ip=client_ip(request),
                password_hash=pending["password_hash"],
                name=pending["name"],
                email=pending["email"] or None,
                language=pending["language"],
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
            status = exc.status_code
        except ValidationError as exc:
            add_service_error(form, exc)
            status = 400
        else:
            del request.session[PENDING]
            login(request, user, backend="skypark.accounts.backends.PhoneOrEmailBackend")
            with translation.override(user.language):
                messages.success(request, _("Welcome to Sky Park! Your account is ready."))
                if pending.get("next"):
                    return redirect(pending["next"])
                return redirect(reverse("accounts:profile"))
    elif action == "confirm":
        status = 400
    context = {
        "form": form,
        "phone": format_phone(pending["phone"]),
        "minutes": code_minutes(),
    }
    return render(request, "accounts/signup_confirm.html", context, status=status)
