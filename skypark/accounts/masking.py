"""Customers' contact details as merchant staff may see them.

Merchant staff need a customer's phone and e-mail only at the till (the cashier role:
to find the customer and hand over a receipt); owners and managers of a merchant see
them masked (``+996 *** *** *56``, ``a***@example.kg``). Network staff always see them.

The back-office turns masking on for the whole request of such a user
(``SkyParkAdminSite.admin_view``, and the background export for the user who asked), so
every place a customer is shown — ``str(user)`` in lists and links, the autocomplete,
exports, the customer page — goes through ``User.phone_display`` / ``email_display``
and cannot forget it. A user who is a cashier at any of their merchants sees details
in clear; they see only customers of their own merchants anyway.
"""

import contextvars
from contextlib import contextmanager

_masked = contextvars.ContextVar("skypark_contacts_masked", default=False)


def contacts_masked() -> bool:
    return _masked.get()


def masks_contacts_for(user) -> bool:
    """True when ``user`` is merchant staff outside the till role."""
    from .admin_scoping import is_merchant_staff
    from .models import MerchantMembership

    if not is_merchant_staff(user):
        return False
    cached = getattr(user, "_till_role_cache", None)
    if cached is None:
        cached = user.merchant_memberships.filter(role=MerchantMembership.Role.CASHIER).exists()
        user._till_role_cache = cached
    return not cached


@contextmanager
def contact_masking(user):
    """Mask contact details while the block runs if ``user`` may not see them."""
    token = _masked.set(masks_contacts_for(user))
    try:
        yield
    finally:
        _masked.reset(token)


def mask_phone(phone: str) -> str:
    """The country code and the last two digits: ``+996 *** *** *56``."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < 6:
        return "***"
    return f"+{digits[:3]} *** *** *{digits[-2:]}"


def phone_as_shown(phone: str) -> str:
    """``phone`` as stored (E.164), or masked while masking is on: for files and
    columns that carry the raw number rather than ``User.phone_display``."""
    return mask_phone(phone) if contacts_masked() else phone


def mask_email(email: str | None) -> str | None:
    """The first letter and the domain: ``a***@example.kg``."""
    if not email:
        return email
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
