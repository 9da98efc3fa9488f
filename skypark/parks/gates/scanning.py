"""The one scanner of the parks: admission and exit at a gate, online. It decides with
the gate's rules (``rules.entry_role``), the same the merge of offline gates' scans uses,
and records each admission and exit as a scan, so that a later merge folds it with them.

Lock order as in ``skypark.parks.services``: the ticket row, then the visit, then the
park row (occupancy, last).
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest, Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skypark.audit.services import audit_log, snapshot
from skypark.commerce import qr
from skypark.core import verdicts
from skypark.core.activity import PARK_VISIT, activity_record

from .. import history
from ..models import GateScan, Park, ParkVisit, Ticket, TimeSlot
from . import guardians, rules, signing
from .clock import scan_online

REFUSALS = {
    "wrong_park": gettext_lazy("This ticket is for another park."),
    "wrong_date": gettext_lazy("This ticket is for another day."),
    "already_used": gettext_lazy("This ticket has already been used."),
    "expired": gettext_lazy("This ticket has expired."),
    "refunded": gettext_lazy("This ticket was refunded."),
    "cancelled": gettext_lazy("This ticket was cancelled."),
    "not_paid": gettext_lazy("This ticket has not been paid."),
    "forged": gettext_lazy("This code is not genuine."),
    "unknown_key": gettext_lazy("This code is signed by a key the park does not know."),
    "unknown": gettext_lazy("No ticket has this code."),
    "park_full": gettext_lazy("The park is full right now."),
    "wrong_time": gettext_lazy("This ticket is for another time of day."),
    "not_inside": gettext_lazy("This ticket is not inside the park."),
    "guardian_required": gettext_lazy("Choose the adult who is with the children."),
    "guardian_not_listed": gettext_lazy("This adult is not on the ticket's list: the children cannot leave with them."),
}
STATUS_REFUSALS = {
    Ticket.Status.PENDING_PAYMENT: "not_paid",
    Ticket.Status.USED: "already_used",
    Ticket.Status.EXPIRED: "expired",
    Ticket.Status.REFUNDED: "refunded",
    Ticket.Status.PARTIALLY_REFUNDED: "cancelled",
    Ticket.Status.CANCELLED: "cancelled",
}


@dataclass
class AdmitResult:
    """A gate's verdict. ``facts`` say for which day a refused ticket is valid
    (``valid_on``, ``valid_until``) or when and where it was used (``used_at``, ``gate``)."""

    admitted: bool
    reason: str = ""
    ticket: Ticket | None = None
    visit: ParkVisit | None = None
    facts: dict = field(default_factory=dict)

    @property
    def refusal(self) -> str:
        return str(REFUSALS[self.reason]) if self.reason else ""

    @property
    def detail(self) -> str:
        if "used_at" in self.facts:
            return verdicts.used_text(self.facts["used_at"], self.facts.get("gate", ""))
        if "valid_on" in self.facts:
            past = self.reason == "expired"
            return verdicts.valid_text(self.facts["valid_on"], self.facts.get("valid_until"), past=past)
        return ""

    @property
    def message(self) -> str:
        if not self.reason:
            return _("Admitted")
        return f"{self.refusal} {self.detail}".strip()


def _refused(reason, ticket=None, **facts) -> AdmitResult:
    return AdmitResult(admitted=False, reason=reason, ticket=ticket, facts=facts)


def _validity(ticket) -> dict:
    if ticket.is_subscription:
        return {"valid_on": ticket.visit_date, "valid_until": ticket.valid_until}
    return {"valid_on": ticket.visit_date}


def _last_use(ticket) -> dict:
    """When and at which gate the ticket was last let in (one query, on refusal only)."""
    visit = ParkVisit.objects.filter(ticket_id=ticket.pk).order_by("-entry_time").values("entry_time", "gate").first()
    used_at = ticket.used_at or (visit and visit["entry_time"]) or ticket.entry_time
    facts = {"used_at": used_at} if used_at else {}
    if visit and visit["gate"]:
        facts["gate"] = visit["gate"]
    return facts


ADMIT_FIELDS = ("visits_used", "entry_time", "exit_time", "validated_by", "status", "used_at")


def _ticket_locked(**lookup) -> Ticket | None:
    """The ticket (by a unique lookup) with its row locked, or None. Its park's slug comes
    with it, so that a gate naming its park by slug needs no query of its own for it;
    only the ticket's row is locked."""
    tickets = Ticket.objects.select_for_update(of=("self",)).annotate(
        park_slug=F("park__slug"),
        park_reentry=F("park__reentry_allowed"),
        park_grace=F("park__slot_grace_minutes"),
        park_pairing=F("park__guardian_pairing"),
    )
    try:
        return tickets.get(**lookup)  # not first(): no ORDER BY to build
    except Ticket.DoesNotExist:
        return None


def _ticket_for_code(code: str):
    """``(ticket locked, entry method)`` or an ``AdmitResult`` refusal. A signed code is
    verified by computation first, so a forged one costs no query."""
    code = (code or "").strip()
    if signing.is_signed_code(code):
        try:
            signed = signing.ticket_code_verify(code)
        except signing.SignedCodeInvalid as refusal:
            return _refused(refusal.details["reason"])
        ticket = _ticket_locked(pk=signed.ticket_id)
        if ticket is None:
            return _refused("unknown")
        if ticket.qr_code != code:
            return _refused("forged")
        return ticket, ParkVisit.EntryMethod.QR
    if "." in code:
        try:
            payload = qr.code_read(code, kind="ticket")
        except qr.ForgedCode:
            return _refused("forged")
        if not payload.object_id.isdigit():
            return _refused("forged")
        ticket = _ticket_locked(pk=int(payload.object_id))
        if ticket is None:
            return _refused("unknown")
        if ticket.qr_code != code:
            return _refused("forged")
        return ticket, ParkVisit.EntryMethod.QR
    backup = qr.backup_code_normalise(code)
    if backup is None:
        return _refused("unknown")
    ticket = _ticket_locked(backup_code=backup)
    if ticket is None:
        return _refused("unknown")
    return ticket, ParkVisit.EntryMethod.MANUAL


def ticket_admit(
    *, code: str, park: Park | str, gate: str = "", staff=None, now=None, guardian: str = ""
) -> AdmitResult:
    """Lets a ticket's group in at ``park``'s ``gate``, or says why not.

    ``park`` is a ``Park`` or its slug. Given the slug, the park is read from the ticket's
    own row; a slug that names no park raises ``Park.DoesNotExist`` (checked only when
    the scan is refused, the one case where the ticket does not vouch for the park).

    Locks the ticket row, re-checks it, records the entry, and raises occupancy last with
    a conditional UPDATE. At capacity the admission's own transaction is rolled back and
    the scan refused with ``park_full``: one transaction, with no savepoint inside it
    (there is one only when the caller already has a transaction open). Two gates
    scanning one code at once queue on the ticket lock; the second sees it used and is
    refused.

    At a park with guardian pairing the entry records ``guardian``, which must be one of
    the ticket's listed adults (else refused, ``guardian_required`` or
    ``guardian_not_listed``, with the list in the facts, and the refusal kept as a scan)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            result = _admit(code=code, park=park, gate=gate, staff=staff, now=now, guardian=guardian)
    except _ParkFull as full:
        return _refused("park_full", Ticket.objects.get(pk=full.ticket_id))
    if isinstance(park, str) and result.reason in ("forged", "unknown", "wrong_park"):
        if not Park.objects.filter(slug=park).exists():
            raise Park.DoesNotExist(f"No park {park!r}.")
    return result


class _ParkFull(Exception):
    """Raised out of the admission's transaction, so that leaving it rolls it back."""

    def __init__(self, ticket_id):
        super().__init__(ticket_id)
        self.ticket_id = ticket_id


def _admit(*, code, park, gate, staff, now, guardian) -> AdmitResult:
    today = timezone.localdate(now)
    found = _ticket_for_code(code)
    if isinstance(found, AdmitResult):
        return found
    ticket, method = found
    same_park = ticket.park_slug == park if isinstance(park, str) else ticket.park_id == park.pk
    if not same_park:
        return _refused("wrong_park", ticket)
    state, facts = _gate_state(ticket, today), _gate_facts(ticket)
    role, _kind = rules.entry_role(state, facts, today)
    if ticket.status == Ticket.Status.USED and role != rules.REENTRY:
        return _refused("already_used", ticket, **_last_use(ticket))
    if ticket.status == Ticket.Status.EXPIRED:
        return _refused("expired", ticket, **_validity(ticket))
    if ticket.status in STATUS_REFUSALS:
        return _refused(STATUS_REFUSALS[ticket.status], ticket)
    last_day = ticket.valid_until if ticket.is_subscription else ticket.visit_date
    if today > last_day:
        return _refused("expired", ticket, **_validity(ticket))
    if today < ticket.visit_date:
        return _refused("wrong_date", ticket, **_validity(ticket))
    if role == rules.DOUBLE_ENTRY:
        return _refused("already_used", ticket, **_last_use(ticket))
    if ticket.slot and not ticket.is_subscription:
        window = _slot_window(ticket, now)
        if window and not window[0] <= now <= window[1]:
            return _refused("wrong_time", ticket, slot_starts=window[0], slot_ends=window[1])
    if ticket.park_pairing:
        refusal = _guardian_refusal(ticket, guardian, GateScan.Kind.ENTRY, gate=gate, staff=staff, now=now)
        if refusal is not None:
            return refusal
    else:
        guardian = ""
    return _admit_locked(
        ticket=ticket, gate=gate, staff=staff, now=now, today=today, method=method, role=role, guardian=guardian
    )


def _guardian_refusal(ticket, guardian, kind, *, gate, staff, now) -> AdmitResult | None:
    """At a park with pairing: None when ``guardian`` is one of the ticket's adults, else
    the refusal, kept as a refused scan (the log of who was turned back)."""
    listed = guardians.guardians_listed(
        holder_name=Ticket.objects.filter(pk=ticket.pk).values_list("customer__name", flat=True).first() or "",
        named=ticket.guardians,
    )
    reason = guardians.guardian_check(listed, guardian)
    if not reason:
        return None
    if guardian:  # an adult was named and is not on the list: the refusal is logged
        scan_online(
            ticket=ticket,
            kind=kind,
            now=now,
            today=timezone.localdate(now),
            method="",
            gate=gate,
            staff=getattr(staff, "pk", None),
            role=GateScan.Role.REFUSAL,
            admitted=False,
            reason=reason,
            guardian=guardian,
        )
    return _refused(reason, ticket, guardians=listed)


def _slot_window(ticket, now):
    """When the ticket's slot opens the gate today: from ``slot_grace_minutes`` before it
    starts until it ends (None for a slot the park no longer has)."""
    times = TimeSlot.objects.filter(park_id=ticket.park_id, code=ticket.slot).values_list("starts", "ends").first()
    if times is None:
        return None
    day = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    starts = datetime.datetime.combine(day, times[0], tzinfo=tz) - datetime.timedelta(minutes=ticket.park_grace or 0)
    return starts, datetime.datetime.combine(day, times[1], tzinfo=tz)


def _gate_state(ticket, today) -> rules.GateState:
    """The ticket's gate state as its row stores it (the merge keeps the row equal to
    the fold of all its scans): inside when let in today and not out since."""
    inside = bool(ticket.entry_time and ticket.exit_time is None and timezone.localdate(ticket.entry_time) == today)
    return rules.GateState(
        visits_used=ticket.visits_used,
        open=["inside"] if inside else [],
        open_day=today if inside else None,
        last_exit_day=timezone.localdate(ticket.exit_time) if ticket.exit_time else None,
    )


def _gate_facts(ticket, reentry_allowed=None) -> rules.TicketFacts:
    return rules.TicketFacts(
        visits_allowed=ticket.visits_allowed,
        valid_from=ticket.visit_date,
        valid_until=ticket.valid_until or ticket.visit_date,
        valid=ticket.status in (Ticket.Status.ACTIVE, Ticket.Status.USED, Ticket.Status.EXPIRED),
        reentry_allowed=getattr(ticket, "park_reentry", False) if reentry_allowed is None else reentry_allowed,
    )


def _admit_locked(*, ticket, gate, staff, now, today, method, role, guardian="") -> AdmitResult:
    count = ticket.visitors
    before = snapshot(ticket, fields=ADMIT_FIELDS)
    if role == rules.ADMISSION:
        ticket.visits_used += 1
    ticket.entry_time = now
    ticket.exit_time = None
    ticket.validated_by = staff if getattr(staff, "pk", None) else None
    if ticket.visits_used >= ticket.visits_allowed and ticket.status != Ticket.Status.USED:
        ticket.status = Ticket.Status.USED
        ticket.used_at = now
    ticket.save(update_fields=[*ADMIT_FIELDS, "updated_at"])
    scan = scan_online(
        ticket=ticket,
        kind=GateScan.Kind.ENTRY,
        now=now,
        today=today,
        method=method,
        gate=gate,
        staff=ticket.validated_by_id,
        role=role,
        guardian=guardian,
    )
    visit = ParkVisit.objects.create(
        scan=scan,
        park_id=ticket.park_id,
        ticket=ticket,
        entry_time=now,
        visit_date=today,
        visitor_count=count,
        visitor_ages=[c.get("age") for c in ticket.children_data],
        entry_method=method,
        gate=gate[:50],
        validated_by_id=ticket.validated_by_id,
    )
    history.ticket_event(
        ticket, "ticket.admitted", actor=staff, data={"gate": gate, "visit": visit.pk, "method": method}
    )
    activity_record(
        customer_id=ticket.customer_id,
        kind=PARK_VISIT,
        reference=f"park_visit:{visit.pk}",
        occurred_at=now,
        title=getattr(ticket, "park_slug", ""),
    )
    # Only what the admission changed: the rest of the ticket is as it was sold.
    audit_log(
        actor=staff,
        action="parks.ticket.admitted",
        obj=ticket,
        before=before,
        after=snapshot(ticket, fields=ADMIT_FIELDS),
        data={"park": ticket.park_slug, "gate": gate, "visit": visit.pk, "method": method},
    )
    # The park's occupancy row is shared by every gate: raise it last, so its lock is held
    # only until commit. At capacity the caller's transaction undoes this admission.
    entered = Park.objects.filter(pk=ticket.park_id, current_occupancy__lte=F("capacity") - count).update(
        current_occupancy=F("current_occupancy") + count
    )
    if not entered:
        raise _ParkFull(ticket.pk)
    return AdmitResult(admitted=True, ticket=ticket, visit=visit)


@transaction.atomic
def visit_exit(*, visit: ParkVisit, staff=None, now=None, guardian: str = "") -> ParkVisit:
    """The group left: the visit is closed and occupancy drops (never below zero).
    Locks the visit. A second exit for the same visit changes nothing."""
    now = now or timezone.now()
    visit = ParkVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != ParkVisit.Status.ACTIVE:
        return visit
    visit.status = ParkVisit.Status.EXITED
    visit.exit_time = max(now, visit.entry_time)
    visit.save(update_fields=["status", "exit_time", "updated_at"])
    if visit.ticket_id:
        Ticket.objects.filter(pk=visit.ticket_id).update(exit_time=visit.exit_time, updated_at=Now())
        exited = Ticket(pk=visit.ticket_id, park_id=visit.park_id, exit_time=visit.exit_time)
        exited.children_data = [None] * visit.visitor_count
        scan_online(
            ticket=exited,
            kind=GateScan.Kind.EXIT,
            now=visit.exit_time,
            today=timezone.localdate(visit.exit_time),
            method="",
            gate=visit.gate,
            staff=getattr(staff, "pk", None),
            role=GateScan.Role.EXIT,
            guardian=guardian,
        )
        history.ticket_event(exited, "ticket.exited", fields=("exit_time",), actor=staff, data={"visit": visit.pk})
    Park.objects.filter(pk=visit.park_id).update(
        current_occupancy=Greatest(F("current_occupancy") - visit.visitor_count, 0)
    )
    audit_log(actor=staff, action="parks.visit.exited", obj=visit, data={"visitors": visit.visitor_count})
    return visit


@transaction.atomic
def ticket_exit(
    *, code: str, park: Park | str, gate: str = "", staff=None, now=None, guardian: str = ""
) -> AdmitResult:
    """A group leaves through ``park``'s gate showing its code: the ticket's open visit of
    today is closed (``visit_exit``), or the scan is refused with ``not_inside``. Locks
    the ticket, then the visit. ``gate`` is accepted for the API's symmetry with
    admission; the exit is recorded at the gate of the visit. At a park with guardian
    pairing the children leave only with ``guardian``, one of the ticket's listed
    adults; any other is refused (and the refusal kept as a scan)."""
    now = now or timezone.now()
    found = _ticket_for_code(code)
    if isinstance(found, AdmitResult):
        return found
    ticket, _method = found
    same_park = ticket.park_slug == park if isinstance(park, str) else ticket.park_id == park.pk
    if not same_park:
        return _refused("wrong_park", ticket)
    visit = (
        ParkVisit.objects.filter(
            ticket_id=ticket.pk, status=ParkVisit.Status.ACTIVE, visit_date=timezone.localdate(now)
        )
        .order_by("-entry_time", "-id")
        .first()
    )
    if visit is None:
        return _refused("not_inside", ticket)
    if ticket.park_pairing:
        refusal = _guardian_refusal(ticket, guardian, GateScan.Kind.EXIT, gate=gate, staff=staff, now=now)
        if refusal is not None:
            return refusal
    else:
        guardian = ""
    exited = visit_exit(visit=visit, staff=staff, now=now, guardian=guardian)
    return AdmitResult(admitted=True, ticket=ticket, visit=exited)
