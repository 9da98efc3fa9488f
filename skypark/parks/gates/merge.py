"""The merge: scans uploaded by gate devices (and those made online) become admissions,
re-entries, exits and reported double entries.

Deterministic and order-independent: after every upload each ticket it touches is
refolded from the set of ALL its scans (``rules.fold``, clock order; the same rules in
SQL on PostgreSQL, ``refold_sql``), and the stored
state — the ticket's row, one visit per physical entry, the double-entry rows, each
scan's role — is rewritten to match. The set of scans only grows (a scan is kept once,
by its event id), so uploads in any order, split into any batches, repeated any number
of times, end in the same state. Occupancy per park and day is a PN-counter per node
(``eventlog.crdt``), derived from the nodes' own scans and merged by maximum.

Lock order: the uploaded tickets' rows (by id), then the occupancy states, then the
park row — as everywhere in the parks domain.
"""

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from skypark.commerce import qr
from skypark.core.bulk import rows_insert
from skypark.eventlog.services import event_new, events_append

from .. import history
from ..models import Ticket
from . import packs, signing
from .clock import MAX_SKEW, SERVER_NODE, hlc_parse, ms_to_datetime, now_ms
from .errors import BatchReplayed, ClockInFuture, DeviceRevoked, ScanInvalid
from .models import GateBatch, GateScan
from .refold import METHODS, occupancy_merge, occupancy_state_id, tickets_lock, tickets_merge  # noqa: F401

MAX_BATCH = 1000
PACK_EXPIRED = "pack_expired"
KINDS = frozenset(GateScan.Kind.values)
COMPARED = ("node", "clock_ms", "clock_counter", "kind", "ticket_id", "admitted")


@dataclass
class UploadResult:
    batch_id: str
    received: int
    stored: int
    duplicates: int
    double_entries: int
    occupancy: int
    pack_expired: int = 0


# --- reading an upload ------------------------------------------------------------------


def _invalid(index, reason, **details):
    return ScanInvalid(details={"event": index, "reason": reason, **details})


def _parse(index, raw, *, device, now) -> dict:
    if not isinstance(raw, dict):
        raise _invalid(index, "not_an_object")
    try:
        event_id = uuid.UUID(str(raw.get("event_id")))
    except ValueError:
        raise _invalid(index, "event_id") from None
    clock = hlc_parse(raw.get("hlc"))
    if clock is None:
        raise _invalid(index, "hlc")
    if clock[0] > now_ms(now + MAX_SKEW):
        raise ClockInFuture(details={"event": index, "hlc": raw.get("hlc")})
    kind, admitted = raw.get("kind"), raw.get("admitted")
    if kind not in KINDS or not isinstance(admitted, bool):
        raise _invalid(index, "kind")
    ticket_id = raw.get("ticket_id")
    if ticket_id is not None and (not isinstance(ticket_id, int) or isinstance(ticket_id, bool) or ticket_id < 1):
        raise _invalid(index, "ticket_id")
    if admitted and ticket_id is None:
        raise _invalid(index, "ticket_id")
    method = raw.get("method") or ("qr" if kind == "entry" else "")
    code = raw.get("code") or ""
    if method not in (*METHODS, "") or not isinstance(code, str) or len(code) > signing.MAX_CODE_LENGTH:
        raise _invalid(index, "method")
    staff = raw.get("staff_id")
    if staff is not None and (not isinstance(staff, int) or isinstance(staff, bool)):
        raise _invalid(index, "staff_id")
    guardian = raw.get("guardian") or ""
    reason = raw.get("reason") or ""
    if not isinstance(guardian, str) or not isinstance(reason, str) or len(guardian) > 100 or len(reason) > 30:
        raise _invalid(index, "guardian")
    at = ms_to_datetime(clock[0])
    return {
        "index": index,
        "event_id": event_id,
        "node": device.node_id,
        "clock_ms": clock[0],
        "clock_counter": clock[1],
        "scanned_at": at,
        "day": timezone.localdate(at),
        "kind": kind,
        "admitted": admitted,
        "ticket_id": ticket_id,
        "method": method if kind == "entry" else "",
        "code": code,
        "staff_id": staff,
        "guardian": guardian,
        "reason": "" if admitted else reason,
    }


def _code_check(scan, ticket):
    """A scan that names its code must name the ticket's own code; a signed code must be
    genuine. Refused with the reason ``forged`` or ``unknown_key``."""
    code = scan["code"]
    if not code:
        if scan["method"] in ("qr", "manual") and scan["kind"] == "entry" and scan["admitted"]:
            raise _invalid(scan["index"], "code_missing")
        return
    if signing.is_signed_code(code):
        try:
            signed = signing.ticket_code_verify(code, today=scan["day"])
        except signing.SignedCodeInvalid as refusal:
            raise _invalid(scan["index"], refusal.details["reason"]) from None
        if signed.ticket_id != ticket.pk or signed.park_id != ticket.park_id:
            raise _invalid(scan["index"], "forged")
        return
    backup = qr.backup_code_normalise(code)
    if backup is not None and backup == ticket.backup_code:
        return
    if code == ticket.qr_code and ticket.qr_code:
        return
    raise _invalid(scan["index"], "forged")


# --- the upload -------------------------------------------------------------------------


@transaction.atomic
def scans_upload(*, device, batch_id, events, now=None) -> UploadResult:
    """Stores a device's batch of scans and merges them. All or nothing: any invalid
    scan refuses the whole batch with a 4xx (``ScanInvalid``, ``ClockInFuture``) and
    stores nothing; a batch id already received is refused with ``BatchReplayed`` and
    changes nothing; a scan already stored (same event id, same content) is skipped.

    Built for bulk: the checks (signatures included) and the scans' insert run before
    any lock, so uploads of different gates overlap there; the insert skips event ids
    already stored (``ON CONFLICT DO NOTHING``), so two gates racing with one scan store
    it once. Only then are the touched tickets locked, in id order (no deadlock), and
    refolded, and the occupancy counters merged: the device's own and the server's
    (online scans do not merge by themselves), not every node's each time."""
    now = now or timezone.now()
    if device.revoked_at is not None:
        raise DeviceRevoked()
    try:
        batch_id = uuid.UUID(str(batch_id))
    except ValueError:
        raise ScanInvalid(details={"reason": "batch_id"}) from None
    if not isinstance(events, list) or not 0 < len(events) <= MAX_BATCH:
        raise ScanInvalid(details={"reason": "events", "max": MAX_BATCH})
    if GateBatch.objects.filter(batch_id=batch_id).exists():
        raise BatchReplayed(details={"batch_id": str(batch_id)})
    parsed = [_parse(i, raw, device=device, now=now) for i, raw in enumerate(events)]
    codes = _tickets_read(parsed, device)
    for scan in parsed:
        if scan["ticket_id"] is not None:
            _code_check(scan, codes[scan["ticket_id"]])
    expired = _pack_expired_refuse(parsed, device)
    new = _new_scans(parsed)
    staff_ids = {s["staff_id"] for s in new if s["staff_id"] is not None}
    known_staff = set(get_user_model().objects.filter(pk__in=staff_ids, is_staff=True).values_list("pk", flat=True))
    batch = GateBatch.objects.create(batch_id=batch_id, device=device, events=len(events), new_events=len(new))
    rows = _scans_insert(
        [
            GateScan(
                event_id=s["event_id"],
                park_id=device.park_id,
                device_id=device.pk,
                node=s["node"],
                clock_ms=s["clock_ms"],
                clock_counter=s["clock_counter"],
                scanned_at=s["scanned_at"],
                day=s["day"],
                kind=s["kind"],
                ticket_id=s["ticket_id"],
                method=s["method"],
                admitted=s["admitted"],
                reason=s["reason"],
                visitors=codes[s["ticket_id"]].visitors if s["ticket_id"] else 0,
                gate=device.name[:50],
                staff_id=s["staff_id"] if s["staff_id"] in known_staff else None,
                guardian=s["guardian"],
                batch_id=batch.pk,
                role="",
                received_at=now,
            )
            for s in new
        ]
    )
    if len(rows) != len(new):
        GateBatch.objects.filter(pk=batch.pk).update(new_events=len(rows))
    touched = sorted({row.ticket_id for row in rows if row.ticket_id})
    park = type(device.park).objects.only("pk", "reentry_allowed").get(pk=device.park_id)
    locked = tickets_lock(touched, park)
    events_append([_scan_event(row, device, batch, now) for row in rows])
    found = tickets_merge(locked, park=park, now=now)
    occupancy = occupancy_merge(
        park_id=device.park_id,
        days={row.day for row in rows},
        today=timezone.localdate(now),
        nodes={device.node_id, SERVER_NODE},
    )
    type(device).objects.filter(pk=device.pk).update(last_seen_at=now)
    return UploadResult(
        batch_id=str(batch_id),
        received=len(events),
        stored=len(rows),
        duplicates=len(events) - len(rows),
        double_entries=found,
        occupancy=occupancy,
        pack_expired=expired,
    )


def _pack_expired_refuse(parsed, device) -> int:
    """Lost-device protection: a scan let through while the device held no unexpired
    pack (``packs.pack_held``) is stored refused, reason ``pack_expired`` — kept and
    shown, never dropped, and counted neither as an admission nor in occupancy. The
    device's own verdict stays in the scan's event. Returns how many were refused."""
    windows = packs.pack_windows(device=device, since=min(s["scanned_at"] for s in parsed))
    refused = 0
    for scan in parsed:
        scan["device_admitted"] = scan["admitted"]
        if scan["admitted"] and not packs.pack_held(windows, scan["scanned_at"]):
            scan["admitted"], scan["reason"] = False, PACK_EXPIRED
            refused += 1
    return refused


@dataclass(frozen=True)
class _TicketCodes:
    pk: int
    park_id: int
    qr_code: str
    backup_code: str
    visitors: int


def _tickets_read(parsed, device) -> dict:
    """What checking the scans needs of their tickets, read without a lock."""
    ids = sorted({s["ticket_id"] for s in parsed if s["ticket_id"] is not None})
    tickets = {
        pk: _TicketCodes(pk, park_id, qr_code, backup_code, len(children or ()))
        for pk, park_id, qr_code, backup_code, children in Ticket.objects.filter(pk__in=ids).values_list(
            "pk", "park_id", "qr_code", "backup_code", "children_data"
        )
    }
    for scan in parsed:
        ticket = tickets.get(scan["ticket_id"]) if scan["ticket_id"] is not None else None
        if scan["ticket_id"] is not None and ticket is None:
            raise _invalid(scan["index"], "unknown_ticket")
        if ticket is not None and ticket.park_id != device.park_id:
            raise _invalid(scan["index"], "ticket_wrong_park")
    return tickets


def _scans_insert(objs) -> list:
    """Inserts the scans, skipping any event id already stored; returns those inserted
    (with their ids). On PostgreSQL one ``INSERT … ON CONFLICT (event_id) DO NOTHING
    RETURNING`` (``core.bulk``); elsewhere (one writer at a time) ``bulk_create``."""
    if not objs:
        return []
    if connection.vendor != "postgresql":
        return GateScan.objects.bulk_create(objs)
    fields = [f for f in GateScan._meta.concrete_fields if not f.primary_key]
    by_event = {obj.event_id: obj for obj in objs}
    # In event id order: two uploads carrying the same scans wait on each other's rows in
    # one order, never in a cycle.
    objs = sorted(objs, key=lambda obj: obj.event_id)
    inserted = []
    for pk, event_id in rows_insert(
        GateScan, objs, fields, suffix="ON CONFLICT (event_id) DO NOTHING RETURNING id, event_id"
    ):
        obj = by_event[event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(str(event_id))]
        obj.pk = obj.id = pk
        obj._state.adding, obj._state.db = False, "default"
        inserted.append(obj)
    inserted.sort(key=lambda obj: obj.pk)
    return inserted


def _new_scans(parsed) -> list:
    """The scans not stored yet, each once. A known event id with other content is a
    conflict (a device reusing ids, or an altered replay)."""
    first = {}
    for scan in parsed:
        seen = first.setdefault(scan["event_id"], scan)
        if any(seen[f] != scan[f] for f in COMPARED):
            raise _invalid(scan["index"], "event_conflict")
    stored = GateScan.objects.filter(event_id__in=list(first)).values("event_id", *COMPARED)
    for row in stored:
        scan = first.pop(row["event_id"])
        if any(row[f] != scan[f] for f in COMPARED):
            raise _invalid(scan["index"], "event_conflict")
    return list(first.values())


def _scan_event(row, device, batch, now):
    kind = row.kind if row.admitted else "refusal"
    return event_new(
        aggregate_type=history.TICKET if row.ticket_id else "parks.gate_device",
        aggregate_id=row.ticket_id or device.pk,
        event_type=f"gate.{kind}",
        data={
            "scan": str(row.event_id),
            "reason": row.reason,
            "method": row.method,
            "guardian": bool(row.guardian),
            **({"device_admitted": True} if row.reason == PACK_EXPIRED else {}),
        },
        metadata={"device": device.pk, "node": row.node, "hlc": f"{row.clock_ms}:{row.clock_counter}"},
        park_id=row.park_id,
        actor=f"gate-device:{device.pk}",
        correlation_id=batch.batch_id,
        created_at=now,
        synced=True,
    )
