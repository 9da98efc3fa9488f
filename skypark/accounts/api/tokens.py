"""Customer API tokens (JWT) that can be revoked: see ``skypark.accounts.auth_sessions``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from ..auth_sessions import session_touch, token_is_current


class RevocableJWTAuthentication(JWTAuthentication):
    """simplejwt's check, then: refused once the user's token version has moved on (a
    password change or reset, logout everywhere) or the token's session has ended. The
    check is answered from the cache (``token_state``)."""

    # simplejwt's refusals (skypark.core.api.documented_errors).
    api_error_codes = ("token_not_valid", "bad_authorization_header", "user_not_found", "user_inactive")

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if not token_is_current(token.payload):
            raise InvalidToken(_("This token has been revoked. Please log in again."), code="token_revoked")
        return token

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            session_touch(session_id=result[1].payload.get("sid"))
        return result


class RevocableJWTScheme(SimpleJWTScheme):
    target_class = RevocableJWTAuthentication
