"""The arithmetic of the rotating card code, free of Django so a till simulator or a
benchmark can compute codes too.

A code is HOTP (RFC 4226: HMAC-SHA1, dynamic truncation, 6 digits) over the number of
the time step (RFC 6238's idea: ``floor(unix time / step seconds)``), keyed by the
customer's own card secret. Typed, it reads ``<customer code>-<6 digits>``
(``7K3M9P2QXA-482913``); spaces and dashes do not matter.
"""

import hashlib
import hmac
import re
import struct

DIGITS = 6
CUSTOMER_CODE_MAX = 12
TYPED_RE = re.compile(r"^(?P<code>[0-9A-Z]{4,12})(?P<otp>[0-9]{6})$")


def step_at(timestamp: float, step_seconds: int) -> int:
    return int(timestamp // step_seconds)


def otp(secret_hex: str, step: int) -> str:
    """The 6-digit code of ``step`` for the card secret (hex)."""
    digest = hmac.new(bytes.fromhex(secret_hex), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def typed(customer_code: str, code: str) -> str:
    return f"{customer_code}-{code}"


def split_typed(normalised: str) -> tuple[str, str] | None:
    """``(customer code, 6 digits)`` of a normalised typed rotating code, or None when it
    is not one (a bare customer code is at most 12 characters)."""
    if len(normalised) <= CUSTOMER_CODE_MAX:
        return None
    found = TYPED_RE.match(normalised)
    return (found["code"], found["otp"]) if found else None
