"""Failed attempts on the web log-in form, counted in the cache.

Two counters, each for ``LOGIN_FAILURE_WINDOW_SECONDS`` from the first failure: one per
login (the phone normalised to E.164, or the lower-cased e-mail), so that one account
cannot be guessed at from many addresses, and one per client IP address
(``REMOTE_ADDR``; put the proxy's real-IP handling in front of Django in production),
so that one address cannot try many accounts. When either reaches its limit
(``LOGIN_FAILURE_LIMIT`` / ``LOGIN_FAILURE_LIMIT_PER_IP``) the form refuses every
attempt, the right password included, until the window has passed. A successful log-in
clears the login's counter. The API's token endpoint is limited separately by DRF's
``login`` throttle scope.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from .phones import looks_like_phone, normalise_phone


def _login_key(login: str) -> str:
    login = (login or "").strip()
    if looks_like_phone(login):
        try:
            login = normalise_phone(login)
        except ValidationError:
            pass
    digest = hashlib.sha256(login.lower().encode()).hexdigest()[:32]
    return f"login-fail:login:{digest}"


def _ip_key(ip: str) -> str:
    return f"login-fail:ip:{ip or '-'}"


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def is_blocked(login: str, ip: str) -> bool:
    counts = cache.get_many([_login_key(login), _ip_key(ip)])
    return (
        counts.get(_login_key(login), 0) >= settings.LOGIN_FAILURE_LIMIT
        or counts.get(_ip_key(ip), 0) >= settings.LOGIN_FAILURE_LIMIT_PER_IP
    )


def _increment(key: str) -> None:
    if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def record_failure(login: str, ip: str) -> None:
    _increment(_login_key(login))
    _increment(_ip_key(ip))


def clear(login: str) -> None:
    cache.delete(_login_key(login))
