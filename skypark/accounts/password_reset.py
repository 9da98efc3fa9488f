"""Resetting a password with a code sent by SMS, for customers who signed up with a
phone and no e-mail.

1. ``reset_code_request(phone=…, ip=…, language=…)``: if an active customer has that
   phone, a new six-digit code (earlier ones stop working) is sent to it by SMS through
   notify's SMS backend; otherwise nothing is sent. The caller shows the same answer
   either way, and the rate limits count every request, so neither the page nor the
   limits tell whether a phone is registered.
2. ``reset_code_confirm(phone=…, code=…, new_password=…, ip=…)``: a right, unexpired,
   unused code sets the new password and is spent. A wrong code counts against the code
   (``PASSWORD_RESET_CODE_ATTEMPTS``, then it is dead) and against the address; a phone
   with no customer or no live code gets the same refusal as a wrong code.

Limits, each over ``PASSWORD_RESET_WINDOW_SECONDS`` and counted in the cache: code
requests per phone (``PASSWORD_RESET_SMS_PER_PHONE``) and per client IP
(``PASSWORD_RESET_SMS_PER_IP``), and wrong codes per client IP
(``PASSWORD_RESET_FAILURES_PER_IP``).

The code is kept only as an HMAC keyed by the server secret and goes to the SMS backend
through a task (``notify.send_sms_text``), so it is written neither to the notification
log nor to the audit trail.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

from .auth_sessions import sessions_revoke_all
from .models import PasswordResetCode, User
from .phones import normalise_phone

CODE_LENGTH = 6
SALT = "skypark.accounts.password_reset.v1"


class ResetRateLimited(DomainError):
    code = "password_reset_rate_limited"
    status_code = 429
    default_message = _("Too many attempts. Please wait a while and try again.")


class ResetCodeInvalid(DomainError):
    code = "password_reset_code_invalid"
    default_message = _("This code is wrong or has expired. Check it, or ask for a new code.")


def _setting(name, default):
    return getattr(settings, name, default)


def code_ttl() -> timedelta:
    return timedelta(seconds=_setting("PASSWORD_RESET_CODE_TTL_SECONDS", 600))


def _window() -> int:
    return _setting("PASSWORD_RESET_WINDOW_SECONDS", 3600)


def _hash(user_id: int, code: str) -> str:
    return salted_hmac(SALT, f"{user_id}:{code}", algorithm="sha256").hexdigest()


def _counter_key(scope: str, value: str) -> str:
    return f"pwreset:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _hit(key: str) -> int:
    """Counts one more in the window (which starts at the first hit); returns the count."""
    if cache.add(key, 1, timeout=_window()):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=_window())
        return 1


def _over(key: str, limit: int) -> bool:
    return (cache.get(key) or 0) >= limit


def _customer_for(phone: str) -> User | None:
    return User.objects.filter(phone=phone, is_active=True).first()


def reset_code_request(*, phone: str, ip: str, language: str | None = None) -> None:
    """Sends a new code to ``phone`` if a customer has it (see the module docstring).
    Raises ``ValidationError`` for something that is not a phone number and
    ``ResetRateLimited`` past a limit; returns None in both the found and not-found case."""
    phone = normalise_phone(phone)
    phone_key, ip_key = _counter_key("phone", phone), _counter_key("ip", ip or "-")
    if _over(phone_key, _setting("PASSWORD_RESET_SMS_PER_PHONE", 3)) or _over(
        ip_key, _setting("PASSWORD_RESET_SMS_PER_IP", 10)
    ):
        raise ResetRateLimited()
    _hit(phone_key)
    _hit(ip_key)
    user = _customer_for(phone)
    if user is None:
        return None
    code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
        PasswordResetCode.objects.create(user=user, code_hash=_hash(user.pk, code), expires_at=now + code_ttl())
        audit_log(actor=None, action="accounts.password_reset.code_sent", obj=user, data={"ip": ip})
        text = _sms_text(code, language or user.language)
        transaction.on_commit(lambda: _sms_queue(phone, text))
    return None


def _sms_text(code: str, language: str) -> str:
    from skypark.notify.rendering import render_kind

    minutes = int(code_ttl().total_seconds() // 60)
    with translation.override(language):
        return render_kind(
            "account.password_reset_code", language=language, context={"code": code, "minutes": minutes}
        ).sms


def _sms_queue(phone: str, text: str) -> None:
    from skypark.notify.tasks import send_sms_text

    send_sms_text.delay(phone, text)


def reset_code_confirm(*, phone: str, code: str, new_password: str, ip: str) -> User:
    """Sets ``new_password`` for the customer with ``phone`` if ``code`` is their live
    code. Locks the customer's row, so two tries of the same code spend it once. Raises
    ``ResetCodeInvalid`` (the same for an unknown phone, no code, an expired, used or
    exhausted code and a wrong one) or ``ResetRateLimited``."""
    ip_key = _counter_key("fail-ip", ip or "-")
    if _over(ip_key, _setting("PASSWORD_RESET_FAILURES_PER_IP", 20)):
        raise ResetRateLimited()
    code = "".join(ch for ch in str(code) if ch.isdigit())
    try:
        phone = normalise_phone(phone)
    except ValidationError:
        _hit(ip_key)
        raise ResetCodeInvalid() from None
    user = _confirm(phone, code)
    if user is None:
        _hit(ip_key)
        raise ResetCodeInvalid()
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_log(actor=user, action="accounts.password_reset.by_sms", obj=user, data={"ip": ip})
    sessions_revoke_all(user=user, reason="password_reset")
    return user


@transaction.atomic
def _confirm(phone: str, code: str) -> User | None:
    """The customer whose live code this is, with the code spent; None otherwise (a wrong
    guess is counted on the code, and is committed)."""
    user = User.objects.select_for_update().filter(phone=phone, is_active=True).first()
    if user is None:
        return None
    now = timezone.now()
    row = (
        PasswordResetCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None or row.attempts >= _setting("PASSWORD_RESET_CODE_ATTEMPTS", 5):
        return None
    if len(code) != CODE_LENGTH or not hmac.compare_digest(row.code_hash, _hash(user.pk, code)):
        PasswordResetCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
        return None
    PasswordResetCode.objects.filter(pk=row.pk).update(used_at=now)
    PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    return user
