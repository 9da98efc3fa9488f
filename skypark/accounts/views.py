"""Customer pages: sign-up, log-in, profile and children. Views parse a form, call one
service and render; the services hold the rules."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from skypark.core.client_ip import client_ip
from skypark.core.errors import DomainError

from . import services
from .auth_sessions import session_revoke, sessions_revoke_all, web_session_of
from .devices import device_label
from .forms import ChildForm, LoginForm, PasswordResetSmsConfirmForm, PasswordResetSmsForm, ProfileForm
from .models import Child
from .password_reset import ResetCodeInvalid, ResetRateLimited, code_ttl, reset_code_confirm, reset_code_request
from .phones import format_phone
from .selectors import active_sessions

# Refusals whose stored message is not translated: the page says it in the reader's language.
SERVICE_ERROR_FIELDS = {
    services.PhoneTaken: ("phone", lambda: _("A customer with this phone number already exists.")),
    services.EmailTaken: ("email", lambda: _("A customer with this e-mail already exists.")),
}


def add_service_error(form, exc):
    """Show a service's refusal on the form: on the field it concerns, or above the form."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)
        else:
            form.add_error(None, exc)
        return
    for error_class, (field, message) in SERVICE_ERROR_FIELDS.items():
        if isinstance(exc, error_class):
            form.add_error(field if field in form.fields else None, message())
            return
    form.add_error(None, exc.message)


def redirect_in_language(url_name, language, **kwargs):
    """Redirect to a page in ``language``, e.g. after the customer has just chosen it."""
    with translation.override(language):
        return redirect(reverse(url_name, kwargs=kwargs or None))


class CustomerLoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


def _children_of(user):
    return Child.objects.filter(parent=user, is_active=True).order_by("birth_date", "pk")


def _own_child(request, pk):
    # Another customer's child is simply not found: no hint that it exists.
    return get_object_or_404(Child, pk=pk, parent=request.user, is_active=True)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                user = services.customer_update(user=user, **form.cleaned_data)
            except (DomainError, ValidationError) as exc:
                add_service_error(form, exc)
            else:
                with translation.override(user.language):
                    messages.success(request, _("Your details have been saved."))
                return redirect_in_language("accounts:profile", user.language)
    else:
        form = ProfileForm(
            initial={
                "name": user.name,
                "email": user.email or "",
                "language": user.language,
                "birth_date": user.birth_date,
            }
        )
    today = timezone.localdate()
    children = [(child, child.age_on(today)) for child in _children_of(user)]
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "child_form": ChildForm(auto_id="id_child_%s"), "children": children, "today": today},
    )


@login_required
@require_http_methods(["GET", "POST"])
def child_add(request):
    form = ChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.child_add(parent=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": child.name})
            return redirect(reverse("accounts:profile") + "#children")
    return render(request, "accounts/child_form.html", {"form": form, "child": None})


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request, pk):
    child = _own_child(request, pk)
    if request.method == "POST":
        form = ChildForm(request.POST)
        if form.is_valid():
            try:
                child = services.child_update(child=child, actor=request.user, **form.cleaned_data)
            except (DomainError, ValidationError) as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The details of %(name)s have been saved.") % {"name": child.name})
                return redirect(reverse("accounts:profile") + "#children")
    else:
        form = ChildForm(initial={"name": child.name, "birth_date": child.birth_date, "gender": child.gender})
    return render(request, "accounts/child_form.html", {"form": form, "child": child})


@login_required
@require_http_methods(["GET", "POST"])
def child_remove(request, pk):
    child = _own_child(request, pk)
    if request.method == "POST":
        services.child_remove(child=child, actor=request.user)
        messages.success(request, _("%(name)s has been removed from your profile.") % {"name": child.name})
        return redirect(reverse("accounts:profile") + "#children")
    return render(request, "accounts/child_confirm_remove.html", {"child": child})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password ends every other session and revokes every token; this
    browser stays logged in."""

    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)  # saves, and moves this session to a new key
        sessions_revoke_all(
            user=form.user,
            keep_session_id=web_session_of(self.request),
            keep_session_key=self.request.session.session_key,
            reason="password_changed",
        )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A reset by e-mail link ends every session and revokes every token."""

    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        sessions_revoke_all(user=form.user, reason="password_reset")
        return response


@login_required
@require_http_methods(["GET"])
def devices(request):
    """The customer's signed-in devices, each with a button that logs it out."""
    current = web_session_of(request)
    rows = [
        (session, device_label(session.user_agent), session.pk == current)
        for session in active_sessions(user=request.user)
    ]
    return render(request, "accounts/devices.html", {"rows": rows})


@login_required
@require_http_methods(["POST"])
def device_end(request, pk):
    if not session_revoke(session_id=pk, user=request.user):
        raise Http404
    if pk == web_session_of(request):
        return redirect("home")  # this browser has just been logged out
    messages.success(request, _("That device has been logged out."))
    return redirect("accounts:devices")


password_change = PasswordChangeView.as_view()
password_change_done = auth_views.PasswordChangeDoneView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()


RESET_PHONE_SESSION_KEY = "password_reset_sms_phone"


@require_http_methods(["GET", "POST"])
def password_reset_sms(request):
    """Step 1 of the SMS reset: the phone number. The next page is the same whether or
    not a customer has that number."""
    form = PasswordResetSmsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            reset_code_request(phone=phone, ip=client_ip(request), language=translation.get_language())
        except ResetRateLimited as exc:
            form.add_error(None, exc.message)
        else:
            request.session[RESET_PHONE_SESSION_KEY] = phone
            return redirect("accounts:password_reset_sms_confirm")
    return render(request, "registration/password_reset_sms_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_sms_confirm(request):
    """Step 2: the code from the SMS and the new password."""
    phone = request.session.get(RESET_PHONE_SESSION_KEY)
    if not phone:
        return redirect("accounts:password_reset_sms")
    form = PasswordResetSmsConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reset_code_confirm(
                phone=phone, code=data["code"], new_password=data["new_password1"], ip=client_ip(request)
            )
        except ResetCodeInvalid as exc:
            form.add_error("code", exc.message)
        except ResetRateLimited as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(RESET_PHONE_SESSION_KEY, None)
            return redirect("accounts:password_reset_complete")
    return render(
        request,
        "registration/password_reset_sms_confirm.html",
        {"form": form, "phone": format_phone(phone), "minutes": int(code_ttl().total_seconds() // 60)},
    )
