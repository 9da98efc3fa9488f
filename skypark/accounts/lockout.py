"""Log-in lockout for every way in: the web form, the admin and the API token.

django-axes counts failed log-ins (its ``AccessAttempt`` rows, one per login, address
and user agent) through Django's ``user_login_failed`` signal and refuses a locked-out
log-in in ``AxesStandaloneBackend`` before any password is checked. This module adapts
it to the platform:

* ``login_of`` names the login the way the log-in backend reads it (a phone in any
  spelling becomes E.164, an e-mail is lower-cased), so every spelling counts as one.
* Two limits (``AXES_LOCKOUT_PARAMETERS``): ``AXES_FAILURE_LIMIT`` failures for one login
  *from one address*, and the higher ``LOGIN_LOCKOUT_IP_LIMIT`` failures from one
  address over all logins. Neither locks the account as such: someone who guesses at a
  victim's password from their own address locks only themselves, and the victim logs
  in from anywhere else.
* Back-off: a lockout lasts ``AXES_COOLOFF_TIME`` after the last failure; every failure
  after that (once the lockout is over) doubles the wait, up to
  ``LOGIN_LOCKOUT_MAX_COOLOFF``. Failures while locked out are not counted, so the wait
  a person is told stays true.
* A successful log-in clears the failures of that login from that address only, so
  logging in to one's own account does not reset the address's count.
* Staff unlock in the admin: delete the rows of "Access attempts", or use the customer's
  "Unlock log-in" action (``services.login_unlock``).
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.core.errors import DomainError

from .phones import looks_like_phone, normalise_phone

LOCKED_MESSAGE = _("Too many failed attempts to log in. Please wait a few minutes and try again.")


class LoginLocked(DomainError):
    code = "login_locked"
    status_code = 429
    default_message = LOCKED_MESSAGE


def normalise_login(login) -> str:
    login = str(login or "").strip()
    if looks_like_phone(login):
        try:
            return normalise_phone(login)
        except ValidationError:
            pass
    return login.lower()


def login_of(request, credentials) -> str | None:
    """The login a log-in attempt is for, normalised (``AXES_USERNAME_CALLABLE``)."""
    credentials = credentials or {}
    login = credentials.get("username") or credentials.get("login")
    if login is None and request is not None:
        data = getattr(request, "data", None) or request.POST
        login = data.get("username") or data.get("login")
    return normalise_login(login)[:255] if login else None


def is_locked_out(request) -> bool:
    """Whether axes refused (or has just locked) the log-in made with ``request``."""
    return bool(getattr(request, "axes_locked_out", False))


def cool_off_after(failures: int) -> timedelta:
    """How long a row of ``failures`` failures keeps counting after its last failure."""
    base, ceiling = settings.AXES_COOLOFF_TIME, settings.LOGIN_LOCKOUT_MAX_COOLOFF
    over = failures - settings.AXES_FAILURE_LIMIT
    if over <= 0:
        return base
    return min(base * (2 ** min(over, 32)), ceiling)


def _live(now) -> Q:
    """Rows still counting at ``now``, each by the back-off its own count has earned."""
    limit, base, ceiling = settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME, settings.LOGIN_LOCKOUT_MAX_COOLOFF
    live = Q(failures_since_start__lte=limit, attempt_time__gte=now - base)
    failures = limit + 1
    while cool_off_after(failures) < ceiling:
        live |= Q(failures_since_start=failures, attempt_time__gte=now - cool_off_after(failures))
        failures += 1
    return live | Q(failures_since_start__gte=failures, attempt_time__gte=now - ceiling)


class LoginLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a per-address limit of its own, back-off, and a reset
    that touches only the login that succeeded (see the module docstring)."""

    def get_user_attempts(self, request, credentials=None):
        live = _live(request.axes_attempt_time or timezone.now())
        return [attempts.filter(live) for attempts in self.filter_user_attempts(request, credentials)]

    def get_failures(self, request, credentials=None) -> int:
        # Measured against AXES_FAILURE_LIMIT: the per-address count is scaled so that it
        # reaches that limit exactly when it reaches LOGIN_LOCKOUT_IP_LIMIT.
        login_here, address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        per_address = address * settings.AXES_FAILURE_LIMIT // settings.LOGIN_LOCKOUT_IP_LIMIT
        return max(login_here, per_address)

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        count, _ = AccessAttempt.objects.filter(
            attempt_time__lt=timezone.now() - settings.LOGIN_LOCKOUT_MAX_COOLOFF
        ).delete()
        return count

    def reset_user_attempts(self, request, credentials=None) -> int:
        login_here = self.filter_user_attempts(request, credentials)[0]
        count, _ = login_here.delete()
        return count


def login_succeeded(*, request, user) -> None:
    """Tells Django (last log-in) and axes (clear this login's failures) that ``user``
    logged in with ``request``; for log-ins that do not go through ``auth.login``."""
    user_logged_in.send(sender=user.__class__, request=request, user=user)
