"""The middleware that an API call without a session cookie has no use for, skipped.

An ``/api/`` request that carries no session cookie cannot be authenticated by a session
(its user comes from a token or an API key, in DRF's authentication), has no flash
messages to show, no second factor owed by a session, and no web page whose language
follows the profile. The web pages' middleware is therefore wrapped here: for such a
request the wrapped middleware is passed by, and only what the rest of the stack relies on
is set — ``request.user`` is anonymous until DRF authenticates the request, and the answer
still varies on ``Cookie``, as the API answers a browser's session differently.

An API call with the session cookie (a browser calling the API as its signed-in user) runs
through all of it, the staff second factor included (and DRF's CSRF check). Pages, the admin and
everything outside ``/api/`` are untouched.
"""

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.cache import patch_vary_headers
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

from skypark.accounts.mfa.middleware import StaffMfaMiddleware as SkyParkStaffMfaMiddleware
from skypark.accounts.middleware import SessionTouchMiddleware as SkyParkSessionTouchMiddleware
from skypark.accounts.middleware import UserLanguageMiddleware as SkyParkUserLanguageMiddleware

API_PREFIX = "/api/"


def sessionless_api_request(request) -> bool:
    """An API call that carries no session cookie."""
    return request.path_info.startswith(API_PREFIX) and settings.SESSION_COOKIE_NAME not in request.COOKIES


class WebOnly:
    """Mixin: the middleware runs for every request but a session-less API call. Sync
    only (under ASGI Django adapts it, as it does the project's other middleware)."""

    sync_capable = True
    async_capable = False

    def __call__(self, request):
        if sessionless_api_request(request):
            return self.passed_by(request)
        return super().__call__(request)

    def passed_by(self, request):
        return self.get_response(request)


class SessionMiddleware(WebOnly, DjangoSessionMiddleware):
    def passed_by(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response


class AuthenticationMiddleware(WebOnly, DjangoAuthenticationMiddleware):
    def passed_by(self, request):
        request.user = AnonymousUser()
        return self.get_response(request)


class MessageMiddleware(WebOnly, DjangoMessageMiddleware):
    pass


class OTPMiddleware(WebOnly, DjangoOTPMiddleware):
    pass


class StaffMfaMiddleware(WebOnly, SkyParkStaffMfaMiddleware):
    pass


class UserLanguageMiddleware(WebOnly, SkyParkUserLanguageMiddleware):
    pass


class SessionTouchMiddleware(WebOnly, SkyParkSessionTouchMiddleware):
    pass
