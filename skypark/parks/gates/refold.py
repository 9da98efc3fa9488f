"""Rewriting a ticket's stored gate state from the fold of all its scans, and the
occupancy counters from the nodes' scans. Called by the upload inside its transaction,
with the tickets' rows locked. On PostgreSQL the fold and the rewrite are set-based SQL
(``refold_sql``); elsewhere the fold runs here, in Python (``rules.fold``)."""

from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from skypark.eventlog import crdt
from skypark.eventlog.services import crdt_pn_merge, events_append

from .. import history
from ..models import Park, ParkVisit, Ticket
from . import rules
from .clock import SERVER_NODE
from .models import DoubleEntry, GateScan
from .refold_sql import tickets_refold_sql

PHYSICAL = (rules.ADMISSION, rules.REENTRY, rules.DOUBLE_ENTRY)
METHODS = {"qr": ParkVisit.EntryMethod.QR, "manual": ParkVisit.EntryMethod.MANUAL, "staff": ParkVisit.EntryMethod.STAFF}
MANAGERS_GROUP = "Park managers"
# On PostgreSQL the refold runs as SQL (``refold_sql``); the fold in Python below is the
# reference, used elsewhere (SQLite) and by the tests that compare the two.
SQL_ON_POSTGRESQL = True


def occupancy_state_id(park_id, day) -> str:
    return f"parks.occupancy:{park_id}:{day.isoformat()}"


SCAN_FIELDS = (
    "pk",
    "event_id",
    "ticket_id",
    "clock_ms",
    "clock_counter",
    "node",
    "kind",
    "admitted",
    "day",
    "scanned_at",
    "visitors",
    "role",
    "method",
    "gate",
    "staff_id",
)


class _Scan:
    """The columns of a stored scan the refold needs, read as a tuple (a merge reads
    every scan of the tickets it touches: model instances would cost most of it)."""

    __slots__ = SCAN_FIELDS

    def __init__(self, row):
        for name, value in zip(SCAN_FIELDS, row, strict=True):
            setattr(self, name, value)

    @property
    def sort_key(self):
        return (self.clock_ms, self.clock_counter, self.node, str(self.event_id))


VISIT_FIELDS = ("pk", "scan_id", "ticket_id", "status", "entry_time", "exit_time", "visit_date")
DOUBLE_FIELDS = ("pk", "scan_id", "first_scan_id", "kind")


class _Row:
    """A stored row's columns read as a tuple; rewritten through a model instance made
    only for the rows that change."""

    def __init__(self, names, row):
        self.__dict__.update(zip(names, row, strict=True))


def _fact(scan) -> rules.ScanFact:
    return rules.ScanFact(
        key=scan.sort_key,
        kind=scan.kind,
        admitted=scan.admitted,
        day=scan.day,
        at=scan.scanned_at,
        visitors=scan.visitors,
    )


def _legacy_facts(visits) -> list:
    """Visits recorded before scans were (no scan): an entry and, if closed, an exit."""
    facts = []
    for visit in visits:
        ms = int(visit.entry_time.timestamp() * 1000)
        facts.append(
            rules.ScanFact((ms, 0, "legacy", f"v{visit.pk}"), "entry", True, visit.visit_date, visit.entry_time)
        )
        if visit.exit_time and visit.status == ParkVisit.Status.EXITED:
            exit_ms = int(visit.exit_time.timestamp() * 1000)
            facts.append(
                rules.ScanFact((exit_ms, 0, "legacy", f"x{visit.pk}"), "exit", True, visit.visit_date, visit.exit_time)
            )
    return facts


def in_sql() -> bool:
    return SQL_ON_POSTGRESQL and connection.vendor == "postgresql"


def tickets_lock(ids, park) -> list:
    """Locks the tickets ``ids`` in id order (every merge and the online gate lock
    tickets in that order, so two uploads never wait on each other in a cycle). Returns
    their ids when the refold runs in SQL, else their rows (with ``park`` set)."""
    if in_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT id FROM "{Ticket._meta.db_table}" WHERE id = ANY(%s) ORDER BY id FOR UPDATE', [list(ids)]
            )
            return [row[0] for row in cursor.fetchall()]
    tickets = list(Ticket.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    for ticket in tickets:
        ticket.park = park
    return tickets


def tickets_merge(locked, *, park, now) -> int:
    """Refolds the tickets ``tickets_lock`` returned; returns the number of double
    entries found that were not known (the managers are told once the upload commits)."""
    if not in_sql():
        return tickets_refold(locked, now=now, reentry_allowed=park.reentry_allowed)
    if not locked:
        return 0
    created, changed = tickets_refold_sql(
        locked, now=now, today=timezone.localdate(now), reentry_allowed=park.reentry_allowed
    )
    events_append([history.ticket_event_new(ticket, "ticket.merged") for ticket in changed])
    _notify_on_commit(created)
    return len(created)


def tickets_refold(tickets, *, now, reentry_allowed=None) -> int:
    """Refolds each ticket (rows locked by the caller) from all its scans and rewrites
    what differs. Returns the number of double entries found that were not known.
    Reads only the columns the fold and the rewrite need: the scans as tuples, the
    visits and double entries with their keys and the compared fields."""
    if not tickets:
        return 0
    ids = [t.pk for t in tickets]
    scans = defaultdict(list)
    for row in GateScan.objects.filter(ticket_id__in=ids).values_list(*SCAN_FIELDS):
        scans[row[2]].append(_Scan(row))
    visits = {}
    legacy = defaultdict(list)
    for row in ParkVisit.objects.filter(ticket_id__in=ids).values_list(*VISIT_FIELDS):
        visit = _Row(VISIT_FIELDS, row)
        if visit.scan_id is None:
            legacy[visit.ticket_id].append(visit)
        else:
            visits[visit.scan_id] = visit
    doubles = {
        row[1]: _Row(DOUBLE_FIELDS, row)
        for row in DoubleEntry.objects.filter(ticket_id__in=ids).values_list(*DOUBLE_FIELDS)
    }
    today = timezone.localdate(now)
    plan = _Plan()
    for ticket in tickets:
        reentry = ticket.park.reentry_allowed if reentry_allowed is None else reentry_allowed
        _refold_one(ticket, scans[ticket.pk], legacy[ticket.pk], visits, doubles, today, plan, reentry)
    return plan.write(now)


class _Plan:
    """The writes of one refold, done set-wise at the end."""

    def __init__(self):
        self.roles, self.new_visits, self.changed_visits = [], [], []
        self.new_doubles, self.changed_doubles, self.gone_doubles = [], [], []
        self.tickets, self.events = [], []

    def write(self, now) -> int:
        _roles_update(sorted(self.roles, key=lambda scan: scan.pk))
        if self.gone_doubles:
            DoubleEntry.objects.filter(pk__in=self.gone_doubles).delete()
        DoubleEntry.objects.bulk_update(self.changed_doubles, ["first_scan", "kind"], batch_size=500)
        created = DoubleEntry.objects.bulk_create(self.new_doubles)
        ParkVisit.objects.bulk_create(self.new_visits)
        _rows_update(ParkVisit, ["status", "exit_time", "updated_at"], self.changed_visits, now)
        _rows_update(Ticket, [*history.STATE_FIELDS, "updated_at"], self.tickets, now)
        events_append(self.events)
        _notify_on_commit([d.pk for d in created])
        return len(created)


def _rows_update(model, fields, objs, now):
    """Writes ``fields`` of ``objs`` (``updated_at`` set to ``now``): on PostgreSQL one
    ``UPDATE … FROM UNNEST(…)`` per thousand rows (an array per column); elsewhere Django's ``bulk_update``."""
    if not objs:
        return
    for obj in objs:
        obj.updated_at = now
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=500)
        return
    table = model._meta.db_table
    columns = [model._meta.get_field(name) for name in fields]
    arrays = ", ".join(["%s::bigint[]", *(f"%s::{c.db_type(connection)}[]" for c in columns)])
    sets = ", ".join(f'"{c.column}" = v."{c.column}"' for c in columns)
    names = ", ".join(["id", *(f'"{c.column}"' for c in columns)])
    with connection.cursor() as cursor:
        for start in range(0, len(objs), 1000):
            chunk = objs[start : start + 1000]
            params = [[obj.pk for obj in chunk]]
            params += [[c.get_db_prep_save(getattr(obj, c.attname), connection) for obj in chunk] for c in columns]
            cursor.execute(
                f'UPDATE "{table}" SET {sets} FROM UNNEST({arrays}) AS v({names}) WHERE "{table}".id = v.id',
                params,
            )


def _roles_update(scans):
    """Writes the scans' new roles: one ``UPDATE … FROM UNNEST`` on PostgreSQL."""
    if not scans:
        return
    if connection.vendor != "postgresql":
        by_role = defaultdict(list)
        for scan in scans:
            by_role[scan.role].append(scan.pk)
        for role, ids in sorted(by_role.items()):
            GateScan.objects.filter(pk__in=ids).update(role=role)
        return
    table = GateScan._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET role = v.role FROM UNNEST(%s::bigint[], %s::varchar[]) AS v(id, role) '
            f'WHERE "{table}".id = v.id',
            [[s.pk for s in scans], [s.role for s in scans]],
        )


def _refold_one(ticket, scans, legacy, visits, doubles, today, plan, reentry_allowed):
    facts = rules.TicketFacts(
        visits_allowed=ticket.visits_allowed,
        valid_from=ticket.visit_date,
        valid_until=ticket.valid_until or ticket.visit_date,
        valid=ticket.status in (Ticket.Status.ACTIVE, Ticket.Status.USED, Ticket.Status.EXPIRED),
        reentry_allowed=reentry_allowed,
    )
    result = rules.fold(facts, [_fact(s) for s in scans] + _legacy_facts(legacy))
    by_event = {str(s.event_id): s for s in scans}
    closed_by = {entry: by_event.get(exit_id) for exit_id, entry in result.closes.items()}
    for scan in scans:
        role = result.roles[str(scan.event_id)]
        if scan.role != role:
            scan.role = role
            plan.roles.append(scan)
        if role in PHYSICAL:
            _visit_plan(ticket, scan, visits.get(scan.pk), closed_by.get(str(scan.event_id)), today, plan)
    wanted = {}
    for second, (first, kind) in result.doubles.items():
        if second in by_event:
            wanted[by_event[second].pk] = (by_event[first].pk if first in by_event else None, kind)
    for scan in scans:
        known = doubles.get(scan.pk)
        if scan.pk in wanted:
            first, kind = wanted[scan.pk]
            if known is None:
                plan.new_doubles.append(
                    DoubleEntry(
                        ticket=ticket,
                        park_id=ticket.park_id,
                        day=scan.day,
                        scan_id=scan.pk,
                        first_scan_id=first,
                        kind=kind,
                    )
                )
            elif (known.first_scan_id, known.kind) != (first, kind):
                plan.changed_doubles.append(DoubleEntry(pk=known.pk, first_scan_id=first, kind=kind))
        elif known is not None:
            plan.gone_doubles.append(known.pk)
    _ticket_plan(ticket, result.state, plan)


def _visit_plan(ticket, scan, visit, exit_scan, today, plan):
    if exit_scan is not None:
        status, exit_time = ParkVisit.Status.EXITED, max(exit_scan.scanned_at, scan.scanned_at)
    elif scan.day < today:
        status = ParkVisit.Status.EXPIRED
        exit_time = visit.exit_time if visit is not None and visit.exit_time else scan.scanned_at
    else:
        status, exit_time = ParkVisit.Status.ACTIVE, None
    if visit is None:
        plan.new_visits.append(
            ParkVisit(
                park_id=ticket.park_id,
                ticket=ticket,
                scan_id=scan.pk,
                entry_time=scan.scanned_at,
                exit_time=exit_time,
                visit_date=scan.day,
                visitor_count=max(scan.visitors, 1),
                visitor_ages=[c.get("age") for c in ticket.children_data],
                entry_method=METHODS.get(scan.method, ParkVisit.EntryMethod.QR),
                gate=scan.gate,
                validated_by_id=scan.staff_id,
                status=status,
            )
        )
    elif (visit.status, visit.exit_time) != (status, exit_time):
        plan.changed_visits.append(ParkVisit(pk=visit.pk, status=status, exit_time=exit_time))


def _ticket_plan(ticket, state, plan):
    before = history.ticket_state(ticket)
    ticket.visits_used = state.visits_used
    ticket.entry_time, ticket.exit_time = state.entry_time, state.exit_time
    ticket.used_at = state.used_at if state.used_at is not None else ticket.used_at
    if ticket.status in (Ticket.Status.ACTIVE, Ticket.Status.USED):
        used = ticket.visits_used >= ticket.visits_allowed
        ticket.status = Ticket.Status.USED if used else Ticket.Status.ACTIVE
    if history.ticket_state(ticket) != before:
        plan.tickets.append(ticket)
        plan.events.append(history.ticket_event_new(ticket, "ticket.merged"))


# --- occupancy --------------------------------------------------------------------------


def occupancy_merge(*, park_id, days, today, nodes=None) -> int:
    """Merges each node's counters of ``park_id`` on ``days`` into the replicated state
    (every node that scanned there that day, the server's online scans included; only
    ``nodes`` when given — an upload changes its own device's counters only) and, for
    today, sets the park's occupancy from it. Returns today's value."""
    value = None
    for day in sorted(days):
        state_id = occupancy_state_id(park_id, day)
        # The replicated row is locked before the counts are read: an upload of the same
        # device committing meanwhile is then counted here, not missed by both.
        crdt_pn_merge(state_id=state_id, node_id=SERVER_NODE, state=crdt.pn_empty())
        scans = GateScan.objects.filter(park_id=park_id, day=day, admitted=True)
        if nodes is not None:
            scans = scans.filter(node__in=sorted(nodes))
        totals = scans.values("node").annotate(
            p=Sum("visitors", filter=Q(kind="entry")), n=Sum("visitors", filter=Q(kind="exit"))
        )
        state = crdt.pn_empty()
        for row in totals:
            state["p"][row["node"]] = row["p"] or 0
            state["n"][row["node"]] = row["n"] or 0
        merged = crdt_pn_merge(state_id=state_id, node_id=SERVER_NODE, state=state)
        if day == today:
            value = crdt.pn_value(merged)
    if value is None:
        return occupancy_get(park_id=park_id, day=today)
    park = Park.objects.select_for_update().get(pk=park_id)
    inside = min(value, park.capacity)
    if park.current_occupancy != inside:
        Park.objects.filter(pk=park_id).update(current_occupancy=inside)
    return value


def occupancy_get(*, park_id, day) -> int:
    from skypark.eventlog.models import CrdtState

    row = CrdtState.objects.filter(pk=occupancy_state_id(park_id, day)).values_list("data", flat=True).first()
    return crdt.pn_value(row or crdt.pn_empty())


# --- telling the managers ---------------------------------------------------------------


def _notify_on_commit(ids):
    """The managers are told by a Celery job once the merge commits: the upload does not
    wait for the e-mails."""
    if ids:
        from ..tasks import parks_double_entries_notify

        transaction.on_commit(lambda: parks_double_entries_notify.delay(ids=ids))


def double_entries_notify(*, ids) -> int:
    """Tells every park manager of each new double entry (e-mail and in-app), once."""
    from django.contrib.auth import get_user_model

    from skypark.notify.services import notification_send

    managers = list(get_user_model().objects.filter(is_active=True, groups__name=MANAGERS_GROUP).distinct())
    sent = 0
    if not managers:
        return sent
    entries = DoubleEntry.objects.select_related("ticket", "park", "scan", "first_scan").filter(pk__in=ids)
    admin_url = settings.SITE_URL.rstrip("/") + reverse("admin:parks_doubleentry_changelist")
    for entry in entries:
        for manager in managers:
            notification_send(
                recipient=manager,
                kind="parks.double_entry",
                context={
                    "park": entry.park,
                    "ticket": entry.ticket,
                    "first": entry.first_scan,
                    "second": entry.scan,
                    "admin_url": admin_url,
                },
                channels=("email", "in_app"),
                related=entry.ticket,
                dedupe_key=f"parks.double_entry.{entry.scan_id}.{manager.pk}",
            )
            sent += 1
    return sent
