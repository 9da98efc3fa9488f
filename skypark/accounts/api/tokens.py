"""Customer API tokens (JWT) that can be revoked: see ``skypark.accounts.auth_sessions``."""

import time
from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from ..auth_sessions import session_touch, token_matches, token_user

# Per process: access tokens whose signature this process has verified, so that a device
# sending the same token all day is not verified again on every request. Only a token that
# passed simplejwt's checks gets in; its expiry is checked again on every use, and its
# revocation is checked per request as for any token (``token_user``).
_verified: dict = {}
VERIFIED_KEPT = 10_000


class RevocableJWTAuthentication(JWTAuthentication):
    """simplejwt's check of the signature, expiry and type, then: refused once the user's
    token version has moved on (a password change or reset, logout everywhere), the
    token's session has ended, or the user is gone or inactive. The user and the
    session's state come from the cache in one read (``token_user``), from the database
    only on a miss."""

    # simplejwt's refusals (skypark.core.api.documented_errors).
    api_error_codes = ("token_not_valid", "bad_authorization_header", "user_not_found", "user_inactive")

    def get_validated_token(self, raw_token):
        token = _verified.get(raw_token)
        if token is not None:
            leeway = api_settings.LEEWAY
            leeway = leeway.total_seconds() if isinstance(leeway, timedelta) else leeway
            if token.payload["exp"] + leeway > time.time():
                return token
        token = super().get_validated_token(raw_token)
        if len(_verified) >= VERIFIED_KEPT:
            _verified.clear()
        _verified[raw_token] = token
        return token

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        payload = token.payload
        user_id, session_id = payload.get(api_settings.USER_ID_CLAIM), payload.get("sid")
        user, live = token_user(user_id=user_id, session_id=session_id) if user_id is not None else (None, False)
        if not token_matches(payload, user, live):
            raise InvalidToken(_("This token has been revoked. Please log in again."), code="token_revoked")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        session_touch(session_id=session_id)
        return user, token


class RevocableJWTScheme(SimpleJWTScheme):
    target_class = RevocableJWTAuthentication
