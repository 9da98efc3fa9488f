"""Phone numbers: parsed and normalised with ``phonenumbers`` to E.164, default region KG."""

import functools

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = getattr(settings, "PHONE_DEFAULT_REGION", "KG")


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return the number in E.164 (``+996555123456``) or raise ``ValidationError``."""
    if not raw or not str(raw).strip():
        raise ValidationError(_("Enter a phone number."), code="phone_required")
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number, e.g. +996 555 123 456."), code="phone_invalid")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number, e.g. +996 555 123 456."), code="phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(value: str) -> bool:
    return "@" not in (value or "")


@functools.lru_cache(maxsize=4096)
def format_phone(e164: str) -> str:
    """The number as people write it (``+996 555 123 456``). Remembered per process: every
    audit entry (a gate scan's among them) and staff page names users by it."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def phone_candidates(raw: str, region: str = DEFAULT_REGION) -> list[str]:
    """Every E.164 number a typed search term can mean, e.g. ``"0555 123 987"``,
    ``"555123987"``, ``"+996 555 123 987"`` and ``"996555123987"`` all give
    ``["+996555123987"]``. Empty when the term is not a phone number."""
    text = str(raw or "").strip()
    if not text or "@" in text or any(ch.isalpha() for ch in text):
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    if not 6 <= len(digits) <= 15:
        return []
    found = set()
    for spelling in (text, f"+{digits}"):
        try:
            found.add(normalise_phone(spelling, region))
        except ValidationError:
            pass
    return sorted(found)
