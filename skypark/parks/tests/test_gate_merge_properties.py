"""Property tests of the merge: the final state depends only on the set of scans — not
on their order, on how they were split into uploads, or on how often each was sent.
First the rules alone (fast, many examples), then the stored state through uploads."""

import datetime
import random
import uuid

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skypark.eventlog import crdt
from skypark.eventlog.models import CrdtState
from skypark.parks.gates import devices, merge, rules
from skypark.parks.gates.clock import now_ms
from skypark.parks.models import DoubleEntry, GateScan, Park, ParkVisit, Ticket

from .gate_helpers import FakeGate

DAY = datetime.date(2026, 12, 7)
AT = datetime.datetime(2026, 12, 7, 10, tzinfo=datetime.UTC)


@st.composite
def scan_logs(draw):
    """Scans of one ticket from up to three nodes, entries and exits, some refused."""
    scans = []
    for i in range(draw(st.integers(0, 12))):
        ms = draw(st.integers(0, 50))
        node = draw(st.sampled_from(["d1", "d2", "server"]))
        kind = draw(st.sampled_from(["entry", "entry", "exit"]))
        scans.append(
            rules.ScanFact(
                key=(ms, draw(st.integers(0, 2)), node, f"e{i:02d}"),
                kind=kind,
                admitted=draw(st.booleans()) or kind == "exit",
                day=DAY,
                at=AT + datetime.timedelta(milliseconds=ms),
            )
        )
    return scans


FACTS = st.builds(
    rules.TicketFacts,
    visits_allowed=st.integers(1, 3),
    valid_from=st.just(DAY),
    valid_until=st.just(DAY),
    reentry_allowed=st.booleans(),
)


def _merge(*logs):
    """Merging logs is the union of their scans (by event id)."""
    union = {}
    for log in logs:
        for scan in log:
            union.setdefault(scan.event_id, scan)
    return list(union.values())


def _canonical(result):
    return (
        result.state.visits_used,
        tuple(result.state.open),
        result.state.entry_time,
        result.state.exit_time,
        result.state.used_at,
        sorted(result.roles.items()),
        sorted(result.doubles.items()),
        sorted(result.closes.items()),
    )


@settings(max_examples=200, deadline=None)
@given(facts=FACTS, log=scan_logs(), seed=st.randoms(use_true_random=False), data=st.data())
def test_fold_ignores_order_duplicates_and_splits(facts, log, seed, data):
    expected = _canonical(rules.fold(facts, log))
    shuffled = list(log)
    seed.shuffle(shuffled)
    duplicated = shuffled + data.draw(st.lists(st.sampled_from(log), max_size=5)) if log else shuffled
    assert _canonical(rules.fold(facts, duplicated)) == expected
    cut = data.draw(st.integers(0, len(shuffled)))
    assert _canonical(rules.fold(facts, _merge(shuffled[:cut], shuffled[cut:], shuffled[:cut]))) == expected


@settings(max_examples=200, deadline=None)
@given(facts=FACTS, a=scan_logs(), b=scan_logs(), c=scan_logs())
def test_merging_logs_is_commutative_associative_and_idempotent(facts, a, b, c):
    # give each log its own event ids, and let b share some of a's
    a = [s.__class__(key=(*s.key[:3], "a" + s.key[3]), kind=s.kind, admitted=s.admitted, day=s.day, at=s.at) for s in a]
    b = a[: len(a) // 2] + [
        s.__class__(key=(*s.key[:3], "b" + s.key[3]), kind=s.kind, admitted=s.admitted, day=s.day, at=s.at) for s in b
    ]
    c = [s.__class__(key=(*s.key[:3], "c" + s.key[3]), kind=s.kind, admitted=s.admitted, day=s.day, at=s.at) for s in c]

    def state(log):
        return _canonical(rules.fold(facts, log))

    assert state(_merge(a, b)) == state(_merge(b, a))
    assert state(_merge(_merge(a, b), c)) == state(_merge(a, _merge(b, c)))
    assert state(_merge(a, a)) == state(a)
    result = rules.fold(facts, _merge(a, b, c))
    physical = sum(1 for role in result.roles.values() if role in (rules.ADMISSION, rules.REENTRY, rules.DOUBLE_ENTRY))
    assert physical == sum(1 for s in _merge(a, b, c) if s.kind == "entry" and s.admitted)  # none dropped
    assert result.state.visits_used <= facts.visits_allowed


COUNTERS = st.fixed_dictionaries(
    {
        "p": st.dictionaries(st.sampled_from("xyz"), st.integers(0, 9)),
        "n": st.dictionaries(st.sampled_from("xyz"), st.integers(0, 9)),
    }
)


def _norm(state):
    return {part: dict(sorted((k, v) for k, v in state[part].items() if v)) for part in ("p", "n")}


@given(a=COUNTERS, b=COUNTERS, c=COUNTERS)
def test_pn_counter_merge_laws(a, b, c):
    assert _norm(crdt.pn_merge(a, b)) == _norm(crdt.pn_merge(b, a))
    assert _norm(crdt.pn_merge(crdt.pn_merge(a, b), c)) == _norm(crdt.pn_merge(a, crdt.pn_merge(b, c)))
    assert _norm(crdt.pn_merge(a, a)) == _norm(a)
    assert crdt.pn_value(crdt.pn_merge(a, b)) >= 0


# --- through the database ---------------------------------------------------------------


def _stored_state(park, tickets):
    ids = [t.pk for t in tickets]
    return (
        sorted(
            Ticket.objects.filter(pk__in=ids).values_list(
                "pk", "status", "visits_used", "entry_time", "exit_time", "used_at"
            )
        ),
        sorted(GateScan.objects.filter(ticket_id__in=ids).values_list("event_id", "role")),
        sorted(ParkVisit.objects.filter(ticket_id__in=ids).values_list("scan__event_id", "status", "exit_time")),
        sorted(DoubleEntry.objects.values_list("scan__event_id", "first_scan__event_id", "kind")),
        Park.objects.get(pk=park.pk).current_occupancy,
        sorted(
            (r.pk, sorted(_norm(r.data)["p"].items()), sorted(_norm(r.data)["n"].items()))
            for r in CrdtState.objects.all()
        ),
    )


@pytest.fixture
def offline_day(park, staff_user, buy, pay):
    """Three gates' logs over four tickets, overlapping, with exits."""
    gates = [FakeGate(devices.device_register(park=park, name=f"g{i}", staff=staff_user)[0]) for i in range(3)]
    tickets = [pay(buy(day=timezone.localdate())) for _ in range(4)]
    rng = random.Random(7)
    t0 = now_ms() - 3_600_000
    for _step in range(24):
        gate, ticket = rng.choice(gates), rng.choice(tickets)
        gate.scan(ticket, kind=rng.choice(["entry", "entry", "exit"]), at_ms=t0 + rng.randint(0, 60_000))
    return gates, tickets


@pytest.mark.django_db
@pytest.mark.usefixtures("refold_engine")
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_uploads_in_any_order_split_and_repeated_give_the_same_state(offline_day, park, data):
    gates, tickets = offline_day

    def run(uploads):
        with transaction.atomic():
            for gate, events in uploads:
                merge.scans_upload(device=gate.device, batch_id=uuid.uuid4(), events=events)
            state = _stored_state(park, tickets)
            transaction.set_rollback(True)
        return state

    expected = run([(gate, gate.log) for gate in gates])
    uploads = []
    for gate in gates:
        log = data.draw(st.permutations(gate.log))
        cuts = sorted(data.draw(st.lists(st.integers(1, len(log) - 1), max_size=3))) if len(log) > 1 else []
        for start, end in zip([0, *cuts], [*cuts, len(log)], strict=True):
            if log[start:end]:
                uploads.append((gate, log[start:end]))
    uploads = data.draw(st.permutations(uploads))
    repeats = data.draw(st.lists(st.sampled_from(uploads), max_size=3)) if uploads else []
    assert run([*uploads, *repeats]) == expected
