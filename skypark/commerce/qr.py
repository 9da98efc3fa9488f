"""Signed codes for tickets, registrations and bookings, their backup codes and QR images.

A code reads ``<kind>.<object id>.<issued>.<nonce>.<mac>``, e.g.
``ticket.1842.1KX9Z2Q.8H3K2M9P.5W3…``: the MAC is HMAC-SHA256 over everything before it,
keyed by the server secret, so a gate can tell a forged or altered code by computation
alone, before it touches the database. The random nonce makes two codes for the same
object differ (a re-issued ticket invalidates nothing by itself; the domain stores the
code it issued and compares). The parts use Crockford base32, so the code stays short
and a QR reader never confuses characters.

Backup codes are 8 Crockford characters for typing at a gate when a phone screen is
cracked; they are random, not signed, so the domain looks them up (unique column).

    code = code_issue("ticket", ticket.pk)
    payload = code_read(code, kind="ticket", max_age=qr_max_age())  # raises ForgedCode
    png = qr_png(code)
"""

import datetime
import hmac
import io
import re
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from skypark.core.errors import DomainError
from skypark.core.references import ALPHABET, normalise_code, random_code

SALT = "skypark.commerce.qr.v1"
MAC_BYTES = 16
NONCE_LENGTH = 8
BACKUP_CODE_LENGTH = 8
KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
OBJECT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CROCKFORD_RE = re.compile(f"^[{ALPHABET}]+$")


class ForgedCode(DomainError):
    code = "forged_code"
    default_message = _("This code is not valid.")


class CodeExpired(DomainError):
    code = "code_expired"
    default_message = _("This code has expired.")
    status_code = 410


@dataclass(frozen=True)
class CodePayload:
    kind: str
    object_id: str
    issued_at: datetime.datetime
    nonce: str


def _b32(number: int) -> str:
    digits = []
    while True:
        number, rest = divmod(number, 32)
        digits.append(ALPHABET[rest])
        if not number:
            return "".join(reversed(digits))


def _b32_int(text: str) -> int:
    number = 0
    for ch in text:
        number = number * 32 + ALPHABET.index(ch)
    return number


def _mac(message: str, secret) -> str:
    digest = salted_hmac(SALT, message, secret=secret, algorithm="sha256").digest()[:MAC_BYTES]
    return _b32(int.from_bytes(digest, "big")).rjust(26, "0")


def _secrets():
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def code_issue(kind: str, object_id, *, now=None) -> str:
    """A new signed code for the object ``object_id`` of ``kind`` (e.g. "ticket")."""
    object_id = str(object_id)
    if not KIND_RE.match(kind) or not OBJECT_ID_RE.match(object_id):
        raise ValueError("kind must be lower-case letters/digits and object_id letters, digits, - or _")
    issued = int((now or timezone.now()).timestamp())
    message = f"{kind}.{object_id}.{_b32(issued)}.{random_code(NONCE_LENGTH)}"
    return f"{message}.{_mac(message, settings.SECRET_KEY)}"


def code_read(
    code: str, *, kind: str | None = None, max_age: datetime.timedelta | None = None, now=None
) -> CodePayload:
    """The payload of a genuine code. Raises ``ForgedCode`` for anything not signed by
    this server (or signed for another ``kind``) and ``CodeExpired`` when ``max_age`` is
    given and has passed. Runs no query."""
    if not isinstance(code, str) or len(code) > 200 or not code.isascii():
        # Genuine codes are ASCII; hmac.compare_digest refuses non-ASCII str with a TypeError.
        raise ForgedCode()
    message, _sep, mac = code.strip().rpartition(".")
    parts = message.split(".")
    if len(parts) != 4:
        raise ForgedCode()
    if not any(hmac.compare_digest(_mac(message, secret), mac) for secret in _secrets()):
        raise ForgedCode()
    code_kind, object_id, issued, nonce = parts
    if kind is not None and code_kind != kind:
        raise ForgedCode()
    if not CROCKFORD_RE.match(issued):
        raise ForgedCode()
    issued_at = datetime.datetime.fromtimestamp(_b32_int(issued), tz=datetime.UTC)
    if max_age is not None and (now or timezone.now()) - issued_at > max_age:
        raise CodeExpired()
    return CodePayload(kind=code_kind, object_id=object_id, issued_at=issued_at, nonce=nonce)


def qr_max_age() -> datetime.timedelta:
    """How long a code stays valid after it was issued (system setting ``qr.expiry_hours``)."""
    from skypark.config.selectors import get_int

    return datetime.timedelta(hours=get_int("qr.expiry_hours"))


def backup_code_new() -> str:
    return random_code(BACKUP_CODE_LENGTH)


def backup_code_normalise(value: str) -> str | None:
    """The canonical form of a typed backup code (``"8h3k-2m9p"`` → ``"8H3K2M9P"``), or
    None if it cannot be one."""
    value = normalise_code(value)
    if len(value) != BACKUP_CODE_LENGTH or not CROCKFORD_RE.match(value):
        return None
    return value


def _qr(data: str, *, box_size: int, border: int):
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_png(data: str, *, box_size: int = 8, border: int = 4) -> bytes:
    image = _qr(data, box_size=box_size, border=border).make_image()
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def qr_svg(data: str, *, box_size: int = 10, border: int = 4) -> str:
    image = _qr(data, box_size=box_size, border=border).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")
