from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .services import mfa_enrolled, mfa_required


def OPEN_URLS():  # noqa: N802 - a constant whose values need the URLconf
    names = ("admin:login", "admin:logout", "staff_mfa:setup", "staff_mfa:recovery_codes", "staff_mfa:verify")
    return {reverse(name) for name in names}


class StaffMfaMiddleware:
    """Keeps every back-office URL closed to a staff session that has not passed its
    second factor: a user with an authenticator is sent to the code page, one who must
    use MFA and has none to the set-up page. The admin's own log-in and log-out pages
    and the MFA pages stay open. Needs ``django_otp.middleware.OTPMiddleware`` before
    it (``request.user.is_verified()``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = self.redirect_for(request)
        if target is not None:
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def redirect_for(request):
        path = request.path_info
        if not path.startswith(reverse("admin:index")):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not (user.is_active and user.is_staff):
            return None  # the admin sends these to its log-in page
        if path in OPEN_URLS():
            return None
        if user.is_verified():
            return None
        if mfa_enrolled(user):
            name = "staff_mfa:verify"
        elif mfa_required(user):
            name = "staff_mfa:setup"
        else:
            return None
        following = request.get_full_path() if request.method == "GET" else reverse("admin:index")
        return f"{reverse(name)}?{urlencode({'next': following})}"
