"""Signed-in devices and the revocation of tokens and sessions.

Every log-in starts an ``AuthSession``: a web one holds the Django session's key, an API
one names its family of refresh tokens (the tokens' ``sid`` claim) and the id of the
current refresh token. Every API token also carries the user's ``token_version``
(``ver`` claim).

* Ending one session (logout, or "end" on the devices page / ``DELETE
  /api/v1/me/sessions/<id>/``) marks it ended, blacklists its current refresh token or
  deletes its Django session.
* Ending all of them (a password change or reset, or logout with ``all``) raises the
  user's ``token_version``, ends every session but the one the change was made in, and
  blacklists every outstanding refresh token of the user.
* An access token is refused once its ``ver`` is not the user's current one or its
  session has ended, or its user is inactive or gone. ``token_user`` answers all of that
  from the cache in one read — the user's row as last read (which carries the version)
  and whether the session is live — and reads the database only on a miss; entries live
  ``TOKEN_STATE_CACHE_SECONDS`` (5 s). A revocation drops the cached row and writes the
  session's end into the cache when it commits, and every save or deletion of a user
  (deactivation, a password or a permission flag changed) drops its cached row at once
  and again on commit, so with a shared cache (Redis) a token stops working at once and
  with a per-process cache within 5 seconds. The API's user is that cached row: a change
  made with a queryset ``update()`` must call ``user_cache_forget``, or it shows within
  the same bound.

Locks: rotating a refresh token locks its session row; ending all sessions locks the
user row, then each session row. A rotation racing with a revocation therefore either
finishes first (and the revocation blacklists the token it issued) or sees the session
ended; a token issued with the old version is refused by the version check.
"""

import time

from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from skypark.audit.services import audit_log
from skypark.core.client_ip import client_ip

from .models import AuthSession, User

TOKEN_STATE_CACHE_SECONDS = 5
TOUCH_EVERY_SECONDS = 60
WEB_SESSION_FIELD = "_auth_session_id"


def _user_key(user_id) -> str:
    return f"auth:user:{user_id}"


def _live_key(session_id) -> str:
    return f"auth:session-live:{session_id}"


def token_user(*, user_id, session_id=None) -> tuple[User | None, bool]:
    """``(the user's row, whether session_id is live)``: from the cache, or from the
    database on a miss (then cached). The user is None when they no longer exist; a token
    without a session is "live"."""
    keys = [_user_key(user_id)] + ([_live_key(session_id)] if session_id else [])
    found = cache.get_many(keys)
    user = found.get(keys[0])
    if user is None:
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            cache.set(keys[0], user, TOKEN_STATE_CACHE_SECONDS)
    if not session_id:
        return user, True
    live = found.get(keys[1])
    if live is None:
        live = int(AuthSession.objects.filter(pk=session_id, user_id=user_id, revoked_at__isnull=True).exists())
        cache.set(keys[1], live, TOKEN_STATE_CACHE_SECONDS)
    return user, bool(live)


def token_matches(payload, user, live) -> bool:
    """Whether a token with these claims is good for ``user`` and its session's state
    (as ``token_user`` gave them)."""
    return user is not None and live and int(payload.get("ver", 0)) == user.token_version


def token_is_current(payload) -> bool:
    """Whether a token with these claims is still good (not revoked)."""
    from rest_framework_simplejwt.settings import api_settings

    user_id = payload.get(api_settings.USER_ID_CLAIM)
    if user_id is None:
        return False
    user, live = token_user(user_id=user_id, session_id=payload.get("sid"))
    return token_matches(payload, user, live)


def user_cache_forget(user_id) -> None:
    """Drops the user's cached row now and again when the current transaction commits
    (a reader in between may have cached the row as it was before)."""
    key = _user_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _device(request) -> dict:
    return {
        "user_agent": (request.META.get("HTTP_USER_AGENT") or "")[:255],
        "ip_address": client_ip(request) or None,
    }


def api_session_start(*, user, request):
    """Starts an API session for ``user`` and returns its first refresh token (the access
    token is ``refresh.access_token``); both carry ``sid`` and ``ver``."""
    from rest_framework_simplejwt.tokens import RefreshToken

    with transaction.atomic():
        session = AuthSession.objects.create(user=user, kind=AuthSession.Kind.API, **_device(request))
        refresh = RefreshToken.for_user(user)
        refresh["sid"] = session.pk
        refresh["ver"] = User.objects.filter(pk=user.pk).values_list("token_version", flat=True).get()
        AuthSession.objects.filter(pk=session.pk).update(refresh_jti=refresh["jti"])
        _touched(session.pk)
        audit_log(actor=user, action="accounts.session.started", obj=user, data={"session": session.pk, "kind": "api"})
    return refresh


def web_session_start(*, user, request) -> AuthSession:
    """Records the web log-in just made with ``request`` (its Django session)."""
    if not request.session.session_key:
        request.session.save()
    session = AuthSession.objects.create(
        user=user, kind=AuthSession.Kind.WEB, session_key=request.session.session_key, **_device(request)
    )
    request.session[WEB_SESSION_FIELD] = session.pk
    _touched(session.pk)
    return session


def web_session_of(request) -> int | None:
    """The id of the ``AuthSession`` of this web request, if any."""
    session = getattr(request, "session", None)
    return session.get(WEB_SESSION_FIELD) if session is not None else None


def _touched(session_id) -> bool:
    """Whether the session's "last used" is due for a write (and, if so, notes it)."""
    return cache.add(f"auth:session-touch:{session_id}", 1, TOUCH_EVERY_SECONDS)


# Per process: when it next asks the cache whether a session's "last used" is due, so
# that a device's every request does not cost a cache round trip for it.
_touch_asked: dict = {}


def session_touch(*, session_id, now=None) -> None:
    """Notes that a session was used; writes at most once a minute per session, and asks
    the cache about it at most once a minute per process."""
    if not session_id:
        return
    clock = time.monotonic()
    if _touch_asked.get(session_id, 0) > clock:
        return
    if len(_touch_asked) >= 10_000:
        _touch_asked.clear()
    _touch_asked[session_id] = clock + TOUCH_EVERY_SECONDS
    if _touched(session_id):
        AuthSession.objects.filter(pk=session_id, revoked_at__isnull=True).update(last_used_at=now or timezone.now())


def _session_store() -> type[SessionBase]:
    from django.conf import settings

    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def _blacklist_jtis(jtis) -> None:
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    jtis = [jti for jti in jtis if jti]
    if not jtis:
        return
    ids = OutstandingToken.objects.filter(jti__in=jtis, blacklistedtoken__isnull=True).values_list("pk", flat=True)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token_id=pk) for pk in ids], ignore_conflicts=True)


def _forget_then_set(key, value) -> None:
    """Drops a cached token state now (a reader then asks the database) and writes the
    new one when the change commits."""
    cache.delete(key)
    transaction.on_commit(lambda: cache.set(key, value, TOKEN_STATE_CACHE_SECONDS))


def _end(session: AuthSession, now) -> None:
    """Ends a session whose row is locked (caller's transaction)."""
    AuthSession.objects.filter(pk=session.pk).update(revoked_at=now)
    if session.kind == AuthSession.Kind.API:
        _blacklist_jtis([session.refresh_jti])
    elif session.session_key:
        _session_store()().delete(session.session_key)
    _forget_then_set(_live_key(session.pk), 0)


@transaction.atomic
def session_revoke(*, session_id, user, actor=None) -> bool:
    """Ends ``user``'s session ``session_id``. Returns False if it was not theirs or had
    already ended. Locks the session row."""
    session = AuthSession.objects.select_for_update().filter(pk=session_id, user=user).first()
    if session is None or session.revoked_at is not None:
        return False
    _end(session, timezone.now())
    audit_log(actor=actor or user, action="accounts.session.ended", obj=user, data={"session": session.pk})
    return True


@transaction.atomic
def sessions_revoke_all(*, user, keep_session_id=None, keep_session_key=None, reason="", actor=None) -> int:
    """Ends every session of ``user`` except ``keep_session_id`` (the one the change was
    made in; ``keep_session_key`` is its Django session's key after a key change), makes
    every token issued so far invalid and blacklists every outstanding refresh token.
    Locks the user row, then the session rows. Returns the number of sessions ended."""
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    User.objects.select_for_update().filter(pk=user.pk).update(token_version=F("token_version") + 1)
    version = User.objects.filter(pk=user.pk).values_list("token_version", flat=True).get()
    user.token_version = version
    now = timezone.now()
    live = AuthSession.objects.select_for_update().filter(user=user, revoked_at__isnull=True).order_by("pk")
    ended = 0
    for session in live:
        if session.pk == keep_session_id:
            if keep_session_key and session.session_key != keep_session_key:
                AuthSession.objects.filter(pk=session.pk).update(session_key=keep_session_key)
            continue
        _end(session, now)
        ended += 1
    outstanding = OutstandingToken.objects.filter(user=user, expires_at__gt=now, blacklistedtoken__isnull=True)
    _blacklist_jtis(list(outstanding.values_list("jti", flat=True)))
    user_cache_forget(user.pk)
    audit_log(
        actor=actor or user,
        action="accounts.session.all_ended",
        obj=user,
        data={"sessions": ended, "reason": reason},
    )
    return ended


def on_user_changed(sender, instance, **kwargs):
    """``post_save`` / ``post_delete`` of a user: the API stops using the cached row."""
    if instance.pk is not None:
        user_cache_forget(instance.pk)


def on_user_logged_in(sender, request, user, **kwargs):
    """Django's ``user_logged_in``: records a web log-in (API log-ins start their session
    in ``api_session_start``, as the tokens need its id)."""
    from rest_framework.request import Request

    if request is None or isinstance(request, Request) or not hasattr(request, "session"):
        return
    web_session_start(user=user, request=request)


def on_user_logged_out(sender, request, user, **kwargs):
    """Django's ``user_logged_out``: the web session being left has ended."""
    session_id = web_session_of(request) if request is not None else None
    if user is not None and session_id:
        session_revoke(session_id=session_id, user=user)
