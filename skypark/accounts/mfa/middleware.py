from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from .services import mfa_enrolled, mfa_required

# Pages a session that still owes its second factor may open: the MFA pages themselves,
# logging out (admin and customer) and switching the language.
OPEN_VIEWS = {
    "admin:login",
    "admin:logout",
    "staff_mfa:setup",
    "staff_mfa:recovery_codes",
    "staff_mfa:verify",
    "accounts:logout",
    "set_language",
    "healthz",
}


class StaffMfaMiddleware:
    """Keeps a staff session that owes its second factor out of everything a session
    opens: a user with an authenticator is sent to the code page, one who must use MFA
    and has none to the set-up page, from every back-office URL and from the staff and
    customer pages alike; a session call to the API gets a 403 ``mfa_required``. Needs
    ``django_otp.middleware.OTPMiddleware`` before it (``request.user.is_verified()``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.refusal_for(request)
        if response is not None:
            return response
        return self.get_response(request)

    @staticmethod
    def owed_step(request):
        """``"staff_mfa:verify"`` or ``"staff_mfa:setup"`` if this request's session owes
        its second factor, else None."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not (user.is_active and user.is_staff):
            return None
        try:
            if resolve(request.path_info).view_name in OPEN_VIEWS:
                return None
        except Resolver404:
            return None
        if user.is_verified():
            return None
        if mfa_enrolled(user):
            return "staff_mfa:verify"
        if mfa_required(user):
            return "staff_mfa:setup"
        return None

    def refusal_for(self, request):
        step = self.owed_step(request)
        if step is None:
            return None
        if request.path_info.startswith("/api/"):
            message = _("Finish the two-factor log-in in the back-office first.")
            return JsonResponse({"error": {"code": "mfa_required", "message": message}}, status=403)
        following = request.get_full_path() if request.method == "GET" else reverse("admin:index")
        return redirect(f"{reverse(step)}?{urlencode({'next': following})}")
