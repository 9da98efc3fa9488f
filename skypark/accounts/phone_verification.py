"""Confirming that a customer's phone is theirs, with a code sent to it by SMS.

A made-up number cannot receive the code, so whatever rewards a new identity (the
referral bonuses) waits for this confirmation: ``phone_verified`` is sent in the
confirming transaction and loyalty credits what was due then.

1. ``phone_verification_send(user=…, ip=…)``: a new six-digit code to the customer's
   phone (earlier ones stop working); refused when the phone is already confirmed or a
   limit is reached (codes per phone and per client IP).
2. ``phone_verification_confirm(user=…, code=…, ip=…)``: the right code, unexpired and
   unused, for the phone the customer has now, confirms it. A wrong code counts against
   the code (``PHONE_VERIFICATION_CODE_ATTEMPTS``, then it is dead) and the client IP.

The code mechanism is ``skypark.accounts.phone_codes`` (``PHONE_VERIFICATION_*``
settings). Changing the phone number clears the confirmation (``customer_phone_change``).
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log, snapshot
from skypark.core.errors import Conflict, DomainError

from . import phone_codes
from .auth_sessions import user_cache_forget
from .models import User
from .phones import normalise_phone
from .signals import phone_verified

POLICY = phone_codes.PHONE_VERIFICATION
_ALREADY = object()


class PhoneAlreadyVerified(Conflict):
    code = "phone_already_verified"
    default_message = _("Your phone number is already confirmed.")


class VerificationRateLimited(DomainError):
    code = "phone_verification_rate_limited"
    status_code = 429
    default_message = _("Too many codes or attempts. Please wait a while and try again.")


class VerificationCodeInvalid(DomainError):
    code = "phone_verification_code_invalid"
    default_message = _("This code is wrong or has expired. Check it, or ask for a new code.")


def code_minutes() -> int:
    return POLICY.minutes


def phone_verification_send(*, user, ip: str, language: str | None = None) -> None:
    """Sends a new confirmation code to ``user``'s phone. Raises ``PhoneAlreadyVerified``
    or ``VerificationRateLimited``. Locks the customer's row."""
    if User.objects.filter(pk=user.pk, phone_verified=True).exists():
        raise PhoneAlreadyVerified()
    if not phone_codes.send_allowed(POLICY, phone=user.phone, ip=ip):
        raise VerificationRateLimited()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.phone_verified:
            raise PhoneAlreadyVerified()
        phone_codes.code_issue(POLICY, user=locked, phone=locked.phone, language=language or locked.language)
        audit_log(actor=locked, action="accounts.phone_verification.code_sent", obj=locked, data={"ip": ip})


def phone_verification_confirm(*, user, code: str, ip: str) -> User:
    """Confirms ``user``'s phone if ``code`` is their live code for it, and sends
    ``phone_verified`` in the same transaction. The customer's row is locked first, so of
    concurrent confirmations exactly one confirms (and credits what waited); the others
    get ``PhoneAlreadyVerified``. Raises ``VerificationCodeInvalid`` (wrong, expired, used
    or exhausted code, or a code sent to a number the customer no longer has) or
    ``VerificationRateLimited``."""
    if phone_codes.failures_blocked(POLICY, ip=ip):
        raise VerificationRateLimited()
    outcome = _confirm(user.pk, code, ip)
    if outcome is _ALREADY:
        raise PhoneAlreadyVerified()
    if outcome is None:
        phone_codes.failure_count(POLICY, ip=ip)
        raise VerificationCodeInvalid()
    user.phone_verified = True
    return outcome


@transaction.atomic
def _confirm(user_id, code, ip):
    """The confirmed customer; ``_ALREADY`` if they already were; None for a wrong code
    (counted on the code, and committed)."""
    user = User.objects.select_for_update().get(pk=user_id)
    if user.phone_verified:
        return _ALREADY
    if not phone_codes.code_spend(POLICY, user=user, phone=user.phone, code=code):
        return None
    User.objects.filter(pk=user.pk).update(phone_verified=True)
    user_cache_forget(user.pk)
    user.phone_verified = True
    audit_log(actor=user, action="accounts.phone_verification.confirmed", obj=user, data={"ip": ip})
    phone_verified.send(sender=User, user=user)
    return user


@transaction.atomic
def customer_phone_change(*, user, phone: str, actor) -> User:
    """Gives ``user`` a new phone number, which is not confirmed until a code sent to it
    is entered (codes sent to the old number stop working)."""
    phone = normalise_phone(phone)
    user = User.objects.select_for_update().get(pk=user.pk)
    if phone == user.phone:
        return user
    from .services import PhoneTaken

    if User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
        raise PhoneTaken()
    before = snapshot(user)
    user.phone = phone
    user.phone_verified = False
    user.save(update_fields=["phone", "phone_verified", "updated_at"])
    audit_log(actor=actor, action="accounts.customer.phone_changed", obj=user, before=before, after=snapshot(user))
    return user
