"""The gate pack: what a registered device needs to decide offline for its park and
day — the valid tickets (id, visitors' number and ages, slot window, visits, status,
whether inside now), the day's revocations and the public keys. No names, phones or
codes in the clear: a backup code is there only as a salted hash, so a typed code can be
checked, not read back. At a park with guardian pairing each ticket carries its listed
adults' labels (first name and initial: ``guardians``). The pack expires (``PACK_TTL``); a revoked device gets no pack
and is told to wipe the one it has."""

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.db.models import F, Q, Value
from django.utils import timezone

from ..models import Ticket, TimeSlot
from . import guardians, signing
from .errors import DeviceRevoked
from .models import GatePackWindow

PACK_TTL = datetime.timedelta(hours=6)
# A device's clock may run a little apart from the server's: a scan this close to a
# pack window still counts as inside it.
PACK_CLOCK_GRACE = datetime.timedelta(minutes=5)
PACK_VERSION = 1


def backup_hash(salt: str, code: str) -> str:
    """The pack's form of a backup code (the gate page computes the same in JS)."""
    return hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()[:32]


def _ticket_row(ticket, salt, slots, today, pairing):
    window = slots.get(ticket.slot)
    inside = bool(ticket.entry_time and ticket.exit_time is None and timezone.localdate(ticket.entry_time) == today)
    return {
        "id": ticket.pk,
        "status": ticket.status,
        "visitors": len(ticket.children_data),
        "ages": [c.get("age") for c in ticket.children_data],
        "slot": ticket.slot,
        "window": window,
        "valid_from": ticket.visit_date.isoformat(),
        "valid_until": (ticket.valid_until or ticket.visit_date).isoformat(),
        "visits_allowed": ticket.visits_allowed,
        "visits_used": ticket.visits_used,
        "inside": inside,
        "backup": backup_hash(salt, ticket.backup_code),
        # Guardian pairing: the adults listed for the ticket, by first name and initial only.
        "guardians": guardians.guardians_listed(holder_name=ticket.holder_name or "", named=ticket.guardians)
        if pairing
        else [],
    }


def pack_build(*, device, day=None, now=None) -> dict:
    """The pack of ``device`` for ``day`` (today by default). Reads the park's tickets
    valid that day in two queries."""
    if device.revoked_at is not None:
        raise DeviceRevoked(details={"wipe": True})
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    park = device.park
    salt = secrets.token_hex(16)
    slots = {s.code: [s.starts.strftime("%H:%M"), s.ends.strftime("%H:%M")] for s in TimeSlot.objects.filter(park=park)}
    valid_on_day = Q(ticket_type=Ticket.Type.SINGLE, visit_date=day) | Q(
        ticket_type=Ticket.Type.SUBSCRIPTION, visit_date__lte=day, valid_until__gte=day
    )
    tickets, revoked = [], []
    fields = (
        "pk",
        "status",
        "children_data",
        "slot",
        "visit_date",
        "valid_until",
        "visits_allowed",
        "visits_used",
        "entry_time",
        "exit_time",
        "backup_code",
        "ticket_type",
        "guardians",
    )
    rows = (
        Ticket.objects.filter(valid_on_day, park=park)
        .exclude(qr_code="")
        .only(*fields)
        .annotate(holder_name=F("customer__name") if park.guardian_pairing else Value(""))
        .order_by("pk")
    )
    for ticket in rows:
        if ticket.status in (Ticket.Status.ACTIVE, Ticket.Status.USED):
            tickets.append(_ticket_row(ticket, salt, slots, day, park.guardian_pairing))
        else:
            revoked.append(ticket.pk)
    return {
        "version": PACK_VERSION,
        "park": {
            "id": park.pk,
            "slug": park.slug,
            "name": park.name,
            "capacity": park.capacity,
            "reentry_allowed": park.reentry_allowed,
            "slot_grace_minutes": park.slot_grace_minutes,
            "guardian_pairing": park.guardian_pairing,
        },
        "device": {"id": device.pk, "node": device.node_id, "name": device.name},
        "day": day.isoformat(),
        "generated_at": now.isoformat(),
        "expires_at": (now + PACK_TTL).isoformat(),
        "salt": salt,
        "keys": signing.public_keys(today=day),
        "tickets": tickets,
        "revoked": revoked,
    }


def pack_issue(*, device, day=None, now=None) -> dict:
    """The pack of ``device`` (``pack_build``), recorded as held by it until it expires."""
    now = now or timezone.now()
    pack = pack_build(device=device, day=day, now=now)
    pack_window_record(device=device, now=now)
    return pack


@transaction.atomic
def pack_window_record(*, device, now) -> GatePackWindow:
    """``device`` got a pack at ``now``: its current window (a pack still valid at
    ``now``) is stretched to the new pack's expiry, or a new window opens."""
    expires = now + PACK_TTL
    window = (
        GatePackWindow.objects.select_for_update()
        .filter(device_id=device.pk, opened_at__lte=now, expires_at__gte=now)
        .order_by("-expires_at")
        .first()
    )
    if window is None:
        return GatePackWindow.objects.create(device_id=device.pk, opened_at=now, expires_at=expires)
    if window.expires_at < expires:
        window.expires_at = expires
        window.save(update_fields=["expires_at"])
    return window


def pack_windows(*, device, since) -> list[tuple]:
    """``(opened_at, expires_at)`` of the device's windows that end after ``since``."""
    return list(
        GatePackWindow.objects.filter(device_id=device.pk, expires_at__gte=since - PACK_CLOCK_GRACE)
        .order_by("opened_at")
        .values_list("opened_at", "expires_at")
    )


def pack_held(windows, at) -> bool:
    """Whether a scan at ``at`` was made while the device held an unexpired pack."""
    return any(opened - PACK_CLOCK_GRACE <= at <= expires + PACK_CLOCK_GRACE for opened, expires in windows)
