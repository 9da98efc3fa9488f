"""Signing up with a code sent by SMS, so that the sign-up does not tell anyone who is
already a customer.

1. ``signup_code_send(phone=…, ip=…, language=…)``: a number nobody has gets a six-digit
   sign-up code; a number that already belongs to a customer gets, instead, a message
   telling its owner that someone tried to sign up with it (log in or reset the password
   instead). The caller answers "we have sent a code" either way, and the limits (codes
   per phone and per client IP, ``SIGNUP_*`` settings) count every request alike.
2. ``signup_complete(phone=…, code=…, password=…, …)``: the right code for the phone,
   unexpired and unused, creates the customer with the phone already confirmed. A wrong,
   expired or used code, and a number that is taken, get the same refusal
   (``signup_code_invalid``), counted against the code and the client IP.

An e-mail address that another customer already has is not added to the new account (so
the answer does not tell that it is taken); that customer is told by e-mail that someone
tried to use it, and the new customer can add another address in their profile.

Codes come from ``skypark.accounts.phone_codes`` (the ``SIGNUP`` policy); the account
itself is made by ``services.customer_register``.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

from . import phone_codes
from .models import User
from .phones import normalise_phone
from .signals import phone_verified

POLICY = phone_codes.SIGNUP
EXISTING_KIND = "account.signup_existing"


class SignupRateLimited(DomainError):
    code = "signup_rate_limited"
    status_code = 429
    default_message = _("Too many codes or attempts. Please wait a while and try again.")


class SignupCodeInvalid(DomainError):
    code = "signup_code_invalid"
    default_message = _("This code is wrong or has expired. Check it, or ask for a new code.")


def code_minutes() -> int:
    return POLICY.minutes


def signup_code_send(*, phone: str, ip: str, language: str = "ru") -> None:
    """Sends a sign-up code to ``phone``, or tells the customer who has it (see the
    module docstring). Raises ``ValidationError`` for something that is not a phone
    number and ``SignupRateLimited`` past a limit; returns None whoever has the number."""
    phone = normalise_phone(phone)
    if not phone_codes.send_allowed(POLICY, phone=phone, ip=ip):
        raise SignupRateLimited()
    owner = User.objects.filter(phone=phone).first()
    if owner is not None:
        _tell_owner(owner, channel="sms", ip=ip)
        return None
    with transaction.atomic():
        phone_codes.code_issue(POLICY, user=None, phone=phone, language=language)
    return None


def _tell_owner(owner: User, *, channel: str, ip: str) -> None:
    from skypark.notify.services import notification_send

    audit_log(actor=None, action="accounts.signup.tried_existing", obj=owner, data={"ip": ip, "channel": channel})
    notification_send(
        recipient=owner,
        kind=EXISTING_KIND,
        channels=(channel,),
        context={"channel": channel},
    )


def signup_complete(
    *,
    phone: str,
    code: str,
    ip: str,
    password=None,
    password_hash=None,
    name="",
    email=None,
    language="ru",
    birth_date=None,
) -> User:
    """Creates the customer if ``code`` is the live sign-up code of ``phone``; the phone
    is confirmed by it. Give the password in clear (``password``) or as Django's hash of
    it (``password_hash``, when the page kept it between its two steps). Raises
    ``SignupCodeInvalid`` (also for a number that is taken) or ``SignupRateLimited``;
    ``ValidationError`` for a profile field the model refuses."""
    if phone_codes.failures_blocked(POLICY, ip=ip):
        raise SignupRateLimited()
    try:
        phone = normalise_phone(phone)
    except ValidationError:
        phone_codes.failure_count(POLICY, ip=ip)
        raise SignupCodeInvalid() from None
    email = (email or "").strip() or None
    user, email_refused = _complete(
        phone,
        code,
        password=password,
        password_hash=password_hash,
        name=name,
        email=email,
        language=language,
        birth_date=birth_date,
    )
    if user is None:
        phone_codes.failure_count(POLICY, ip=ip)
        raise SignupCodeInvalid()
    if email_refused:
        owner = User.objects.filter(email__iexact=email_refused).first()
        if owner is not None:
            _tell_owner(owner, channel="email", ip=ip)
    return user


@transaction.atomic
def _complete(phone, code, *, email, **fields):
    """``(customer, e-mail not added)``; ``(None, None)`` for a wrong code or a taken
    number. A wrong guess is counted on the code and committed."""
    from .services import customer_register

    if not phone_codes.code_spend(POLICY, user=None, phone=phone, code=code):
        return None, None
    if User.objects.filter(phone=phone).exists():
        return None, None
    email_refused = None
    if email and User.objects.filter(email__iexact=email).exists():
        email_refused, email = email, None
    try:
        with transaction.atomic():
            user = customer_register(phone=phone, email=email, phone_verified=True, **fields)
    except IntegrityError:
        # The same number or address was taken by a concurrent sign-up.
        return None, None
    phone_verified.send(sender=User, user=user)
    return user, email_refused
