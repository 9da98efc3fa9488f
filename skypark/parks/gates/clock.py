"""Hybrid logical clocks of the gates, and the scans the server records itself.

A device stamps every scan with ``"<wall ms>:<counter>"``: the wall clock in
milliseconds, and a counter that orders scans within one millisecond (or while the
device's clock stands still or goes back). The server refuses a clock more than
``MAX_SKEW`` ahead of its own. Scans made online are recorded with the server's clock
under the node ``server``."""

import datetime
import re
import uuid

from django.utils import timezone

from .models import GateScan

SERVER_NODE = "server"
MAX_SKEW = datetime.timedelta(minutes=5)
HLC_RE = re.compile(r"^(\d{1,15}):(\d{1,9})$")


def hlc_parse(value) -> tuple[int, int] | None:
    match = HLC_RE.match(value) if isinstance(value, str) else None
    return (int(match[1]), int(match[2])) if match else None


def ms_to_datetime(ms: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)


def now_ms(now=None) -> int:
    return int((now or timezone.now()).timestamp() * 1000)


def scan_online(
    *, ticket, kind, now, today, method, gate, staff, role, admitted=True, reason="", guardian=""
) -> GateScan:
    """Records a scan decided online (inside the admission's or exit's transaction), so
    that a later merge of offline scans folds it with them."""
    return GateScan.objects.create(
        event_id=uuid.uuid4(),
        park_id=ticket.park_id,
        node=SERVER_NODE,
        clock_ms=now_ms(now),
        clock_counter=0,
        scanned_at=now,
        day=today,
        kind=kind,
        ticket_id=ticket.pk,
        method=method or "",
        admitted=admitted,
        reason=reason,
        guardian=(guardian or "")[:100],
        visitors=len(ticket.children_data),
        gate=(gate or "")[:50],
        staff_id=staff,
        role=role,
    )
