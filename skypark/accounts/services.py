"""Writes for customers, children, merchants, staff memberships and API keys."""

import hmac

from django.db import transaction
from django.utils import timezone

from skypark.audit.services import audit_log, snapshot
from skypark.core.errors import Conflict, NotFound

from .auth_sessions import user_cache_forget
from .keyread import api_key_read
from .models import (
    API_KEY_LIVE_START,
    API_KEY_TEST_START,
    AuthSession,
    Child,
    Merchant,
    MerchantApiKey,
    MerchantMembership,
    User,
    hash_api_key,
)
from .phones import normalise_phone
from .plans import plan_check


class PhoneTaken(Conflict):
    code = "phone_taken"
    default_message = "A customer with this phone number already exists."


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "A customer with this e-mail already exists."


@transaction.atomic
def customer_register(
    *,
    phone,
    password=None,
    password_hash=None,
    name="",
    email=None,
    language="ru",
    birth_date=None,
    phone_verified=False,
):
    """Create a customer. The phone is normalised to E.164; phone and e-mail are unique.
    The password comes in clear or as Django's hash of it. The welcome message is queued
    for after the commit (see ``welcome_send``). Customers sign up through
    ``skypark.accounts.signup``, which confirms the phone first; this is its last step
    (and the way staff tools and demos make accounts)."""
    phone = normalise_phone(phone)
    if User.objects.filter(phone=phone).exists():
        raise PhoneTaken()
    if email and User.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    user = User(
        phone=phone,
        email=email or None,
        name=name,
        language=language,
        birth_date=birth_date,
        phone_verified=phone_verified,
    )
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_log(actor=user, action="accounts.customer.registered", obj=user, after=snapshot(user))
    transaction.on_commit(lambda: welcome_send(user=user))
    return user


def welcome_send(*, user):
    """The welcome message, in the customer's language: by e-mail when they gave one, by
    SMS otherwise. Sent once per customer (the dedupe key), however often it is asked."""
    from skypark.notify.services import notification_send

    return notification_send(
        recipient=user,
        kind="account.welcome",
        channels=("email",) if user.email else ("sms",),
        dedupe_key=f"account.welcome.{user.pk}",
    )


PROFILE_FIELDS = ("name", "email", "language", "birth_date")


@transaction.atomic
def customer_update(*, user, actor=None, **changes):
    """Change profile fields. Changing the e-mail clears its verified flag."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user)
    for field, value in changes.items():
        if field not in PROFILE_FIELDS:
            raise ValueError(f"{field} is not a profile field")
        if field == "email":
            value = value or None
            if (value or "").lower() != (user.email or "").lower():
                user.email_verified = False
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save()
    audit_log(actor=actor or user, action="accounts.customer.updated", obj=user, before=before, after=snapshot(user))
    return user


@transaction.atomic
def child_add(*, parent, name, birth_date, gender=""):
    child = Child(parent=parent, name=name.strip(), birth_date=birth_date, gender=gender or "")
    child.full_clean()
    child.save()
    audit_log(actor=parent, action="accounts.child.added", obj=child, after=snapshot(child))
    return child


@transaction.atomic
def child_update(*, child, actor, **changes):
    before = snapshot(child)
    for field in ("name", "birth_date", "gender"):
        if field in changes:
            setattr(child, field, changes[field] or ("" if field == "gender" else changes[field]))
    child.full_clean()
    child.save()
    audit_log(actor=actor, action="accounts.child.updated", obj=child, before=before, after=snapshot(child))
    return child


@transaction.atomic
def child_remove(*, child, actor):
    """Children are deactivated, not deleted: past tickets keep pointing at them."""
    child.is_active = False
    child.save(update_fields=["is_active", "updated_at"])
    audit_log(actor=actor, action="accounts.child.removed", obj=child)
    return child


@transaction.atomic
def merchant_create(*, name, code, actor, **fields):
    merchant = Merchant(name=name, code=code, **fields)
    merchant.full_clean()
    merchant.save()
    audit_log(actor=actor, action="accounts.merchant.created", obj=merchant, after=snapshot(merchant))
    return merchant


@transaction.atomic
def merchant_membership_add(*, merchant, user, role, actor):
    """Adds (or changes the role of) a member of a merchant's staff. A new member needs a
    free seat in the merchant's plan (``PlanLimitReached``); the merchant row is locked so
    that two additions at once cannot both take the last seat."""
    merchant = Merchant.objects.select_for_update(of=("self",)).select_related("plan").get(pk=merchant.pk)
    if not MerchantMembership.objects.filter(merchant=merchant, user=user).exists():
        plan_check(merchant, "staff_seats", MerchantMembership.objects.filter(merchant=merchant).count())
    membership, created = MerchantMembership.objects.update_or_create(
        merchant=merchant, user=user, defaults={"role": role}
    )
    if not user.is_staff:
        # Merchant staff work in the back-office, limited to their merchant.
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user_cache_forget(user.pk)
    audit_log(actor=actor, action="accounts.membership.saved", obj=membership, data={"role": role, "created": created})
    return membership


@transaction.atomic
def api_key_issue(*, merchant, name, actor, mode=MerchantApiKey.Mode.LIVE):
    """Create a key and return ``(key, plaintext)``. The plaintext is never stored and
    cannot be shown again. ``mode``: live, or test (``sk_test_…``, see ``MerchantApiKey``)."""
    prefix, plaintext = MerchantApiKey.generate(mode)
    key = MerchantApiKey.objects.create(
        merchant=merchant,
        name=name,
        mode=mode,
        prefix=prefix,
        key_hash=hash_api_key(plaintext),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_log(
        actor=actor,
        action="accounts.api_key.issued",
        obj=key,
        data={"merchant": merchant.code, "prefix": prefix, "mode": mode},
    )
    return key, plaintext


@transaction.atomic
def api_key_revoke(*, key, actor):
    key = MerchantApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_log(actor=actor, action="accounts.api_key.revoked", obj=key, data={"prefix": key.prefix})
    return key


def api_key_lookup(plaintext, *, merchant_related=()):
    """The active key matching ``plaintext`` (with its merchant), or raise NotFound.
    ``merchant_related``: relations of the merchant read in the same query (e.g. a
    one-to-one the caller needs on every call)."""
    if not plaintext or not plaintext.startswith("sk_") or "." not in plaintext:
        raise NotFound("Unknown API key.", code="invalid_api_key")
    start = API_KEY_TEST_START if plaintext.startswith(API_KEY_TEST_START) else API_KEY_LIVE_START
    prefix = plaintext[len(start) :].split(".", 1)[0]
    # The plan comes with the merchant: the partner API counts calls against it.
    # The prefix is unique; the merchant's relations come in the same statement.
    key = api_key_read(prefix, merchant_related=(*merchant_related, "plan"))
    if key is None or not hmac.compare_digest(key.key_hash, hash_api_key(plaintext)):
        # The hash covers the whole key, its ``sk_test_`` or ``sk_`` start included.
        raise NotFound("Unknown API key.", code="invalid_api_key")
    if not key.merchant.is_active:
        raise NotFound("The merchant is not active.", code="merchant_inactive")
    return key


def api_key_touch(*, key, now=None):
    """Record use at most once a minute, so a busy till does not write on every call."""
    now = now or timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        MerchantApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def login_unlock(*, user, actor=None) -> int:
    """Clears every recorded failure for ``user``'s logins (phone and e-mail), from every
    address. Returns the number of rows removed."""
    from axes.models import AccessAttempt

    from .lockout import normalise_login

    logins = {normalise_login(user.phone)} | ({normalise_login(user.email)} if user.email else set())
    count, _ = AccessAttempt.objects.filter(username__in=logins).delete()
    audit_log(actor=actor, action="accounts.login.unlocked", obj=user, data={"attempts": count})
    return count


def refresh_token_rotate(*, raw: str) -> dict:
    """Exchanges a refresh token for a new access + refresh pair, once.

    The old token is blacklisted by inserting its ``BlacklistedToken`` row, which is
    unique per token: of any number of concurrent calls with the same token exactly one
    insert succeeds and gets the new pair; the others fail on the constraint and are
    refused as a used token (simplejwt's own ``get_or_create`` lets every racer through).
    The token must also be current: its session (``sid``) not ended, its ``ver`` the
    user's token version (see ``auth_sessions``); the session row is locked meanwhile and
    then points at the new token.
    Raises ``InvalidToken`` (401) for a bad, expired, used or revoked token, and
    ``AuthenticationFailed`` for an inactive or removed account."""
    from django.db import IntegrityError
    from django.utils.translation import gettext as _
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
    from rest_framework_simplejwt.settings import api_settings
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
    from rest_framework_simplejwt.tokens import RefreshToken
    from rest_framework_simplejwt.utils import datetime_from_epoch

    try:
        refresh = RefreshToken(raw)
    except TokenError as exc:
        raise InvalidToken(str(exc))
    user = User.objects.filter(pk=refresh.payload.get(api_settings.USER_ID_CLAIM)).first()
    if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
        raise AuthenticationFailed(_("No active account found for the given token."), "no_active_account")
    session_id = refresh.payload.get("sid")
    with transaction.atomic():
        session = None
        if session_id is not None:
            # Locked so that ending the session waits for this rotation, or this one sees it ended.
            session = AuthSession.objects.select_for_update().filter(pk=session_id, user=user).first()
            if session is None or session.revoked_at is not None:
                raise InvalidToken(_("This session has ended. Please log in again."))
        version = User.objects.filter(pk=user.pk).values_list("token_version", flat=True).get()
        if int(refresh.payload.get("ver", 0)) != version:
            raise InvalidToken(_("This token has been revoked. Please log in again."))
        outstanding, _created = OutstandingToken.objects.get_or_create(
            jti=refresh[api_settings.JTI_CLAIM],
            defaults={
                "user": user,
                "token": raw,
                "created_at": refresh.current_time,
                "expires_at": datetime_from_epoch(refresh["exp"]),
            },
        )
        try:
            with transaction.atomic():
                BlacklistedToken.objects.create(token=outstanding)
        except IntegrityError:
            raise InvalidToken(_("This refresh token was already used."))
        data = {"access": str(refresh.access_token)}
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh.outstand()
        data["refresh"] = str(refresh)
        if session is not None:
            AuthSession.objects.filter(pk=session.pk).update(
                refresh_jti=refresh[api_settings.JTI_CLAIM], last_used_at=timezone.now()
            )
    return data
