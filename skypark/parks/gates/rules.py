"""The gate's rules, as pure functions: what an entry or an exit of a ticket means given
what happened to it before. The online scan (``services.ticket_admit``) asks
``entry_role`` about the ticket's stored state; the merge (``merge.ticket_refold``)
folds every scan of a ticket through the same ``entry_role`` in clock order. Neither
reads the database here, so the merge is a function of the set of scans alone:
uploads in any order, split or repeated, give the same result.
"""

import datetime
from dataclasses import dataclass, field

ADMISSION = "admission"
REENTRY = "reentry"
DOUBLE_ENTRY = "double_entry"
REFUSAL = "refusal"
EXIT = "exit"
EXIT_UNMATCHED = "exit_unmatched"

INSIDE = "inside"
NO_VISITS = "no_visits"
NOT_VALID = "not_valid"


@dataclass(frozen=True)
class TicketFacts:
    """What the rules need to know of a ticket and its park."""

    visits_allowed: int
    valid_from: datetime.date
    valid_until: datetime.date
    valid: bool = True  # not refunded or cancelled
    reentry_allowed: bool = False


@dataclass(frozen=True)
class ScanFact:
    """A scan as the rules see it. ``key`` orders scans: (clock ms, counter, node, id)."""

    key: tuple
    kind: str  # entry | exit
    admitted: bool  # let through at the gate
    day: datetime.date
    at: datetime.datetime
    visitors: int = 1

    @property
    def event_id(self) -> str:
        return self.key[3]


@dataclass
class GateState:
    """A ticket's gate state: visits used, who is inside (the entry scans not yet matched
    by an exit, newest last), the last exit's day."""

    visits_used: int = 0
    open: list = field(default_factory=list)
    open_day: datetime.date | None = None
    last_exit_day: datetime.date | None = None
    entry_time: datetime.datetime | None = None
    exit_time: datetime.datetime | None = None
    used_at: datetime.datetime | None = None

    @property
    def inside(self) -> bool:
        return bool(self.open)


def entry_role(state: GateState, facts: TicketFacts, day: datetime.date) -> tuple[str, str]:
    """``(role, double-entry kind)`` of an entry now: an admission uses a visit, a
    re-entry (park setting, same day, after an exit) uses none, anything else is a
    second entry (the online gate refuses it; a gate offline may have let it through)."""
    if not facts.valid or not facts.valid_from <= day <= facts.valid_until:
        return DOUBLE_ENTRY, NOT_VALID
    if state.inside:
        return DOUBLE_ENTRY, INSIDE
    if facts.reentry_allowed and state.last_exit_day == day and state.visits_used:
        return REENTRY, ""
    if state.visits_used >= facts.visits_allowed:
        return DOUBLE_ENTRY, NO_VISITS
    return ADMISSION, ""


@dataclass
class FoldResult:
    state: GateState
    roles: dict  # event id -> role
    doubles: dict  # event id of the second entry -> (event id of the entry it repeats or None, kind)
    closes: dict  # event id of an exit -> event id of the entry it closed


def fold(facts: TicketFacts, scans) -> FoldResult:
    """Every scan of one ticket, in clock order, through the rules. Duplicates (the same
    event id) count once. Each entry let through at a gate is a physical entry: an
    admission, a re-entry or a double entry, never dropped."""
    unique = {}
    for scan in scans:
        unique.setdefault(scan.event_id, scan)
    state, roles, doubles, closes = GateState(), {}, {}, {}
    last_admission = None
    for scan in sorted(unique.values(), key=lambda s: s.key):
        if state.open and scan.day != state.open_day:
            state.open = []  # visits still open are closed at the end of their day
        if scan.kind == "entry":
            if not scan.admitted:
                roles[scan.event_id] = REFUSAL
                continue
            role, kind = entry_role(state, facts, scan.day)
            roles[scan.event_id] = role
            if role == DOUBLE_ENTRY:
                doubles[scan.event_id] = (state.open[-1] if state.open else last_admission, kind)
            elif role == ADMISSION:
                state.visits_used += 1
                last_admission = scan.event_id
                if state.visits_used >= facts.visits_allowed and state.used_at is None:
                    state.used_at = scan.at
            state.open.append(scan.event_id)
            state.open_day = scan.day
            state.entry_time, state.exit_time = scan.at, None
        else:
            if not scan.admitted:
                roles[scan.event_id] = REFUSAL
            elif state.open:
                roles[scan.event_id] = EXIT
                closes[scan.event_id] = state.open.pop()
                state.last_exit_day = scan.day
                state.exit_time = max(scan.at, state.entry_time) if state.entry_time else scan.at
            else:
                roles[scan.event_id] = EXIT_UNMATCHED
    return FoldResult(state=state, roles=roles, doubles=doubles, closes=closes)
