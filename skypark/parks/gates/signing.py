"""Ticket codes signed with Ed25519, which a gate verifies with no server.

A code reads ``SP1.<key id>.<payload>.<signature>``: the payload is compact JSON in
base64url — ticket id, park id, first and last valid day, slot, number of visitors,
visits allowed — with no personal data; the signature is Ed25519 over everything before
it (so over the key id too). Gates get the public keys in their pack.

Keys rotate (``signing_key_rotate``): the new key signs from then on, and the old one is
accepted until the last day a ticket it signed is valid. Codes issued before signed
codes existed (HMAC, ``skypark.commerce.qr``) and backup codes keep working online.
"""

import base64
import binascii
import datetime
import json
import secrets
import threading
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

from .models import GateSigningKey

PREFIX = "SP1"
MAX_CODE_LENGTH = 400
KEY_CACHE_SECONDS = 60


class SignedCodeInvalid(DomainError):
    """The code is malformed, altered or signed by no key of ours; ``details["reason"]``
    is ``forged`` or ``unknown_key``."""

    code = "signed_code_invalid"
    default_message = _("This code is not genuine.")


@dataclass(frozen=True)
class SignedTicket:
    key_id: str
    ticket_id: int
    park_id: int
    valid_from: datetime.date
    valid_until: datetime.date
    slot: str
    visitors: int
    visits: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_signed_code(code: str) -> bool:
    return isinstance(code, str) and code.startswith(PREFIX + ".")


# --- keys -------------------------------------------------------------------------------


def _key_new() -> GateSigningKey:
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return GateSigningKey.objects.create(
        key_id=secrets.token_hex(4), private_key=raw_private, public_key=_b64(raw_public)
    )


def signing_key_current() -> GateSigningKey:
    """The key that signs new codes, created on first use."""
    key = GateSigningKey.objects.filter(accepted_until__isnull=True).order_by("-created_at", "-id").first()
    if key is None:
        with transaction.atomic():
            key = _key_new()
    return key


def _last_valid_day(key_id: str, today: datetime.date) -> datetime.date:
    from skypark.parks.models import Ticket

    signed = Ticket.objects.filter(qr_code__startswith=f"{PREFIX}.{key_id}.")
    last = signed.aggregate(single=Max("visit_date", filter=Q(valid_until__isnull=True)), sub=Max("valid_until"))
    return max([day for day in (last["single"], last["sub"], today) if day is not None])


@transaction.atomic
def signing_key_rotate(*, actor=None, today=None) -> GateSigningKey:
    """A new key signs from now on; each old key still signing is accepted until the
    last valid day of the tickets it signed (at least today). Locks the current keys."""
    today = today or timezone.localdate()
    for old in GateSigningKey.objects.select_for_update().filter(accepted_until__isnull=True):
        old.accepted_until = _last_valid_day(old.key_id, today)
        old.save(update_fields=["accepted_until"])
    key = _key_new()
    audit_log(actor=actor, action="parks.signing_key.rotated", obj=key, data={"key_id": key.key_id})
    transaction.on_commit(keys_forget)
    keys_forget()
    return key


def public_keys(*, today=None) -> list[dict]:
    """The keys a gate accepts today: ``[{"key_id", "public_key", "accepted_until"}]``."""
    today = today or timezone.localdate()
    keys = GateSigningKey.objects.filter(Q(accepted_until__isnull=True) | Q(accepted_until__gte=today))
    return [
        {
            "key_id": key.key_id,
            "public_key": key.public_key,
            "accepted_until": key.accepted_until.isoformat() if key.accepted_until else None,
        }
        for key in keys.order_by("created_at", "id")
    ]


_cache: dict = {}
_cache_lock = threading.Lock()
# Codes whose signature was found genuine, per process: a key id always names the same
# key, so a code checked once needs no second check (a merge sees each ticket's code
# again in every upload that scanned it). Whether its key is still accepted is asked
# every time. Emptied when full.
_genuine: set = set()
GENUINE_MAX = 20_000


def keys_forget():
    with _cache_lock:
        _cache.clear()
        _genuine.clear()


def _signature_check(public, code, message, signature):
    if code in _genuine:
        return
    public.verify(_unb64(signature), message.encode("ascii"))
    with _cache_lock:
        if len(_genuine) >= GENUINE_MAX:
            _genuine.clear()
        _genuine.add(code)


def _public_key(key_id: str):
    """``(Ed25519PublicKey, accepted_until)`` or None; remembered per process for
    ``KEY_CACHE_SECONDS`` so a scan costs no query for the key."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key_id)
    if hit and hit[2] > now:
        return hit[0], hit[1]
    row = GateSigningKey.objects.filter(key_id=key_id).values_list("public_key", "accepted_until").first()
    if row is None:
        return None
    value = (Ed25519PublicKey.from_public_bytes(_unb64(row[0])), row[1])
    with _cache_lock:
        _cache[key_id] = (*value, now + KEY_CACHE_SECONDS)
    return value


# --- codes ------------------------------------------------------------------------------


def ticket_code_sign(ticket, *, key: GateSigningKey | None = None) -> str:
    """A signed code for ``ticket`` (no personal data in it)."""
    key = key or signing_key_current()
    last = ticket.valid_until or ticket.visit_date
    payload = {
        "t": ticket.pk,
        "p": ticket.park_id,
        "d": ticket.visit_date.isoformat(),
        "u": last.isoformat(),
        "s": ticket.slot,
        "v": len(ticket.children_data),
        "n": ticket.visits_allowed,
        "r": secrets.token_hex(3),  # two codes for one ticket differ
    }
    message = f"{PREFIX}.{key.key_id}.{_b64(json.dumps(payload, separators=(',', ':')).encode())}"
    private = Ed25519PrivateKey.from_private_bytes(bytes(key.private_key))
    signature = private.sign(message.encode("ascii"))
    with _cache_lock:  # the signer knows its public key: verifying here needs no query
        _cache.setdefault(key.key_id, (private.public_key(), key.accepted_until, time.monotonic() + KEY_CACHE_SECONDS))
    return f"{message}.{_b64(signature)}"


def ticket_code_verify(code: str, *, today=None) -> SignedTicket:
    """The signed facts of a genuine code. Raises ``SignedCodeInvalid`` with reason
    ``forged`` (malformed, truncated, altered, or its key no longer accepted) or
    ``unknown_key``. Reads at most the key's row, once per process and minute."""
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH or not code.isascii():
        raise SignedCodeInvalid(details={"reason": "forged"})
    code = code.strip()
    message, _sep, signature = code.rpartition(".")
    parts = message.split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isalnum():
        raise SignedCodeInvalid(details={"reason": "forged"})
    found = _public_key(parts[1])
    if found is None:
        raise SignedCodeInvalid(details={"reason": "unknown_key"})
    public, accepted_until = found
    try:
        _signature_check(public, code, message, signature)
        data = json.loads(_unb64(parts[2]))
        signed = SignedTicket(
            key_id=parts[1],
            ticket_id=int(data["t"]),
            park_id=int(data["p"]),
            valid_from=datetime.date.fromisoformat(data["d"]),
            valid_until=datetime.date.fromisoformat(data["u"]),
            slot=str(data["s"]),
            visitors=int(data["v"]),
            visits=int(data["n"]),
        )
    except (InvalidSignature, binascii.Error, ValueError, KeyError, TypeError):
        raise SignedCodeInvalid(details={"reason": "forged"}) from None
    if accepted_until is not None and (today or timezone.localdate()) > accepted_until:
        raise SignedCodeInvalid(details={"reason": "forged"})
    return signed
