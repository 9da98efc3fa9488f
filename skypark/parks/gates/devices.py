"""Registering gate devices to a park, revoking them, and knowing them by their token."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from skypark.audit.services import audit_log

from .errors import DeviceRevoked
from .models import GateDevice

TOKEN_PREFIX = "gd_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def device_register(*, park, name: str, staff) -> tuple[GateDevice, str]:
    """A new device of ``park``; returns it and its token (shown once, kept hashed)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = GateDevice.objects.create(
        park=park,
        name=(name or "").strip()[:100] or "gate",
        token_hash=_hash(token),
        token_prefix=token[:8],
        registered_by=staff if getattr(staff, "pk", None) else None,
    )
    audit_log(actor=staff, action="parks.gate_device.registered", obj=device, data={"park": park.slug})
    return device, token


@transaction.atomic
def device_revoke(*, device: GateDevice, staff, now=None) -> GateDevice:
    """From now on the device's uploads and pack downloads are refused, and the page
    wipes its pack on its next request. Idempotent."""
    device = GateDevice.objects.select_for_update().get(pk=device.pk)
    if device.revoked_at is None:
        device.revoked_at = now or timezone.now()
        device.save(update_fields=["revoked_at"])
        audit_log(actor=staff, action="parks.gate_device.revoked", obj=device)
    return device


def device_for_token(token: str) -> GateDevice | None:
    """The device with this token (revoked ones raise ``DeviceRevoked``), or None."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    device = GateDevice.objects.select_related("park").filter(token_hash=_hash(token)).first()
    if device is not None and device.revoked_at is not None:
        raise DeviceRevoked()
    return device
