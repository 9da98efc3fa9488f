"""One-time codes sent by SMS: the one mechanism behind the password reset by SMS
(``password_reset``), the phone confirmation (``phone_verification``) and the sign-up
(``signup``, whose codes belong to a phone before there is a customer: ``user=None``).

A code is six digits, kept only as an HMAC keyed by the server secret (``PhoneCode``),
bound to the phone it was sent to, valid for ``<PREFIX>_CODE_TTL_SECONDS``, dead after
``<PREFIX>_CODE_ATTEMPTS`` wrong guesses and spent by the first right one. A new code
ends the earlier ones of the same purpose. Limits, each counted in the cache over
``<PREFIX>_WINDOW_SECONDS``: codes sent per phone (``<PREFIX>_SMS_PER_PHONE``) and per
client IP (``<PREFIX>_SMS_PER_IP``), wrong codes per client IP
(``<PREFIX>_FAILURES_PER_IP``). ``<PREFIX>`` is the purpose's settings prefix
(``PASSWORD_RESET``, ``PHONE_VERIFICATION``, ``SIGNUP``).

The text goes to notify's SMS backend through a task after the commit, so the code is
written neither to the notification log nor to the audit trail.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from .models import PhoneCode

CODE_LENGTH = 6


@dataclass(frozen=True)
class CodePolicy:
    purpose: str
    settings_prefix: str
    salt: str
    notification_kind: str

    def setting(self, name, default):
        return getattr(settings, f"{self.settings_prefix}_{name}", default)

    @property
    def ttl(self) -> timedelta:
        return timedelta(seconds=self.setting("CODE_TTL_SECONDS", 600))

    @property
    def minutes(self) -> int:
        return int(self.ttl.total_seconds() // 60)

    @property
    def window(self) -> int:
        return self.setting("WINDOW_SECONDS", 3600)

    def counter_key(self, scope: str, value: str) -> str:
        return f"phone-code:{self.purpose}:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"

    def hash(self, subject, code: str) -> str:
        """The stored form of ``code``, bound to its customer's id (or, for a sign-up
        code, to its phone)."""
        return salted_hmac(self.salt, f"{subject}:{code}", algorithm="sha256").hexdigest()


PASSWORD_RESET = CodePolicy(
    purpose=PhoneCode.Purpose.PASSWORD_RESET,
    settings_prefix="PASSWORD_RESET",
    salt="skypark.accounts.password_reset.v1",
    notification_kind="account.password_reset_code",
)
PHONE_VERIFICATION = CodePolicy(
    purpose=PhoneCode.Purpose.PHONE_VERIFICATION,
    settings_prefix="PHONE_VERIFICATION",
    salt="skypark.accounts.phone_verification.v1",
    notification_kind="account.phone_verification_code",
)
SIGNUP = CodePolicy(
    purpose=PhoneCode.Purpose.SIGNUP,
    settings_prefix="SIGNUP",
    salt="skypark.accounts.signup.v1",
    notification_kind="account.signup_code",
)


def _codes_of(policy: CodePolicy, user, phone: str):
    """The codes of one owner: the customer's, or for a sign-up code, the phone's."""
    if user is None:
        return PhoneCode.objects.filter(user__isnull=True, phone=phone, purpose=policy.purpose)
    return PhoneCode.objects.filter(user=user, purpose=policy.purpose)


def _hit(policy: CodePolicy, key: str) -> int:
    """Counts one more in the window (which starts at the first hit); returns the count."""
    if cache.add(key, 1, timeout=policy.window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=policy.window)
        return 1


def _over(key: str, limit: int) -> bool:
    return (cache.get(key) or 0) >= limit


def send_allowed(policy: CodePolicy, *, phone: str, ip: str) -> bool:
    """Whether one more code may be sent to ``phone`` from ``ip``; counts it if so."""
    phone_key, ip_key = policy.counter_key("phone", phone), policy.counter_key("ip", ip or "-")
    if _over(phone_key, policy.setting("SMS_PER_PHONE", 3)) or _over(ip_key, policy.setting("SMS_PER_IP", 10)):
        return False
    _hit(policy, phone_key)
    _hit(policy, ip_key)
    return True


def failures_blocked(policy: CodePolicy, *, ip: str) -> bool:
    return _over(policy.counter_key("fail-ip", ip or "-"), policy.setting("FAILURES_PER_IP", 20))


def failure_count(policy: CodePolicy, *, ip: str) -> None:
    _hit(policy, policy.counter_key("fail-ip", ip or "-"))


def code_issue(policy: CodePolicy, *, user, phone: str, language: str) -> None:
    """Stores a new code for ``user`` (or, with ``user=None``, for ``phone`` alone;
    earlier live codes of the purpose end) and queues its SMS to ``phone`` for after the
    commit. The caller holds ``user``'s row lock, in its transaction."""
    code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
    now = timezone.now()
    _codes_of(policy, user, phone).filter(used_at__isnull=True).update(expires_at=now)
    PhoneCode.objects.create(
        user=user,
        purpose=policy.purpose,
        phone=phone,
        code_hash=policy.hash(phone if user is None else user.pk, code),
        expires_at=now + policy.ttl,
    )
    text = _sms_text(policy, code, language)
    transaction.on_commit(lambda: _sms_queue(phone, text))


def code_spend(policy: CodePolicy, *, user, phone: str, code: str) -> bool:
    """Spends ``user``'s live code for ``phone`` (with ``user=None``: the phone's own
    code) if ``code`` is it. A wrong guess counts on the code (written at once: the
    caller must commit it, not roll it back). The caller holds ``user``'s row lock; a
    phone's own code is locked here. So two tries of one code spend it once."""
    code = "".join(ch for ch in str(code) if ch.isdigit())
    now = timezone.now()
    live = _codes_of(policy, user, phone).filter(used_at__isnull=True, expires_at__gt=now)
    if user is None:
        live = live.select_for_update()
    row = live.order_by("-created_at", "-pk").first()
    if row is None or row.phone and row.phone != phone or row.attempts >= policy.setting("CODE_ATTEMPTS", 5):
        return False
    subject = phone if user is None else user.pk
    if len(code) != CODE_LENGTH or not hmac.compare_digest(row.code_hash, policy.hash(subject, code)):
        PhoneCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
        return False
    PhoneCode.objects.filter(pk=row.pk).update(used_at=now)
    _codes_of(policy, user, phone).filter(used_at__isnull=True).update(expires_at=now)
    return True


def _sms_text(policy: CodePolicy, code: str, language: str) -> str:
    from skypark.notify.rendering import render_kind

    with translation.override(language):
        return render_kind(
            policy.notification_kind, language=language, context={"code": code, "minutes": policy.minutes}
        ).sms


def _sms_queue(phone: str, text: str) -> None:
    from skypark.notify.tasks import send_sms_text

    send_sms_text.delay(phone, text)
