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

The code mechanism (hashing, expiry, attempts, the limits on sends per phone and per
client IP and on wrong codes per IP, all under ``PASSWORD_RESET_*`` settings) is
``skypark.accounts.phone_codes``, shared with the phone confirmation.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

from . import phone_codes
from .auth_sessions import sessions_revoke_all
from .models import User
from .phones import normalise_phone

POLICY = phone_codes.PASSWORD_RESET


class ResetRateLimited(DomainError):
    code = "password_reset_rate_limited"
    status_code = 429
    default_message = _("Too many attempts. Please wait a while and try again.")


class ResetCodeInvalid(DomainError):
    code = "password_reset_code_invalid"
    default_message = _("This code is wrong or has expired. Check it, or ask for a new code.")


def code_ttl():
    return POLICY.ttl


def _customer_for(phone: str) -> User | None:
    return User.objects.filter(phone=phone, is_active=True).first()


def reset_code_request(*, phone: str, ip: str, language: str | None = None) -> None:
    """Sends a new code to ``phone`` if a customer has it (see the module docstring).
    Raises ``ValidationError`` for something that is not a phone number and
    ``ResetRateLimited`` past a limit; returns None in both the found and not-found case."""
    phone = normalise_phone(phone)
    if not phone_codes.send_allowed(POLICY, phone=phone, ip=ip):
        raise ResetRateLimited()
    user = _customer_for(phone)
    if user is None:
        return None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        phone_codes.code_issue(POLICY, user=user, phone=phone, language=language or user.language)
        audit_log(actor=None, action="accounts.password_reset.code_sent", obj=user, data={"ip": ip})
    return None


def reset_code_confirm(*, phone: str, code: str, new_password: str, ip: str) -> User:
    """Sets ``new_password`` for the customer with ``phone`` if ``code`` is their live
    code. Locks the customer's row, so two tries of the same code spend it once. Raises
    ``ResetCodeInvalid`` (the same for an unknown phone, no code, an expired, used or
    exhausted code and a wrong one) or ``ResetRateLimited``."""
    if phone_codes.failures_blocked(POLICY, ip=ip):
        raise ResetRateLimited()
    try:
        phone = normalise_phone(phone)
    except ValidationError:
        phone_codes.failure_count(POLICY, ip=ip)
        raise ResetCodeInvalid() from None
    user = _confirm(phone, code)
    if user is None:
        phone_codes.failure_count(POLICY, ip=ip)
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
    if user is None or not phone_codes.code_spend(POLICY, user=user, phone=phone, code=code):
        return None
    return user
