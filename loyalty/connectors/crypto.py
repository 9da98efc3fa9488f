"""Connector credentials encrypted at rest with ``settings.CONNECTOR_KEYS``.

``MultiFernet``: the first key encrypts, every key listed decrypts. To rotate, put a new
key first and keep the old ones after it; ``manage.py connector_keys_rotate`` then
re-encrypts every stored credential with the new key (``keys_rotate``), after which the
old keys can be dropped from the environment. The database only ever holds Fernet tokens
(authenticated encryption: a token altered or made with an unknown key does not decrypt).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class CredentialsUnreadable(Exception):
    """A stored token that none of the configured keys decrypts (a key dropped too early)."""


def _box() -> MultiFernet:
    keys = [k for k in getattr(settings, "CONNECTOR_KEYS", []) if k]
    if not keys:
        raise ImproperlyConfigured("CONNECTOR_KEYS is empty: connector credentials cannot be encrypted.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"CONNECTOR_KEYS holds a key that is not a Fernet key: {exc}")


def encrypt(plaintext: str) -> str:
    """A token for ``plaintext`` (empty for empty: no credentials)."""
    if not plaintext:
        return ""
    return _box().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CredentialsUnreadable("none of CONNECTOR_KEYS decrypts these credentials")


def rotate(token: str) -> str:
    """The token re-encrypted with the first key (the same secret inside)."""
    if not token:
        return ""
    try:
        return _box().rotate(token.encode()).decode()
    except InvalidToken:
        raise CredentialsUnreadable("none of CONNECTOR_KEYS decrypts these credentials")
