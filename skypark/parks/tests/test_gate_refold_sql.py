"""The refold in SQL (PostgreSQL) stores exactly what the fold in Python stores, for any
set of scans: several tickets (single and subscription, valid and refunded), several
days, refusals, exits with nobody inside, visits recorded before scans, the re-entry
setting either way, and scans arriving in two merges."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skypark.accounts.tests.factories import UserFactory
from skypark.eventlog.models import DomainEvent
from skypark.parks.gates import refold
from skypark.parks.gates.clock import ms_to_datetime, now_ms
from skypark.parks.models import DoubleEntry, GateScan, Park, ParkVisit, Ticket

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL refold runs on PostgreSQL"),
]
DAY_MS = 86_400_000


@pytest.fixture
def tickets(park):
    owner = UserFactory()
    today = timezone.localdate()
    kinds = [
        {"visits_allowed": 1, "status": Ticket.Status.ACTIVE},
        {"visits_allowed": 1, "status": Ticket.Status.ACTIVE, "visit_date": today - datetime.timedelta(days=1)},
        {
            "visits_allowed": 3,
            "status": Ticket.Status.ACTIVE,
            "ticket_type": "subscription",
            "visit_date": today - datetime.timedelta(days=1),
            "valid_until": today,
        },
        {"visits_allowed": 1, "status": Ticket.Status.REFUNDED},
    ]
    made = []
    for kind in kinds:
        fields = {"visit_date": today, **kind}
        made.append(
            Ticket.objects.create(
                customer=owner,
                park=park,
                price=Decimal("500.00"),
                children_data=[{"name": "Kid", "age": 4}, {"name": "Kid", "age": 7}][: 1 + len(made) % 2],
                **fields,
            )
        )
    return made


@st.composite
def scan_sets(draw):
    """Scans over the last three days, in two arrivals, and visits without a scan."""
    base = now_ms() - 2 * DAY_MS - 60_000
    scans = []
    for _ in range(draw(st.integers(1, 24))):
        kind = draw(st.sampled_from(["entry", "entry", "exit"]))
        scans.append(
            {
                "ticket": draw(st.integers(0, 3)),
                "node": draw(st.sampled_from(["d1", "d2", "server"])),
                "ms": base + draw(st.sampled_from([0, DAY_MS, 2 * DAY_MS])) + draw(st.integers(0, 40)),
                "counter": draw(st.integers(0, 1)),
                "kind": kind,
                "admitted": draw(st.booleans()) or kind == "exit",
                "method": draw(st.sampled_from(["qr", "manual", "staff", ""])),
                "later": draw(st.booleans()),
            }
        )
    legacy = draw(
        st.lists(
            st.tuples(st.integers(0, 3), st.sampled_from([0, DAY_MS, 2 * DAY_MS]), st.integers(0, 40), st.booleans()),
            max_size=2,
        )
    )
    return base, scans, legacy, draw(st.booleans())


def _insert(park, tickets, scans, batch):
    GateScan.objects.bulk_create(
        GateScan(
            event_id=uuid.UUID(int=s["id"]),
            park=park,
            node=s["node"],
            clock_ms=s["ms"],
            clock_counter=s["counter"],
            scanned_at=ms_to_datetime(s["ms"]),
            day=timezone.localdate(ms_to_datetime(s["ms"])),
            kind=s["kind"],
            ticket=tickets[s["ticket"]],
            method=s["method"] if s["kind"] == "entry" else "",
            admitted=s["admitted"],
            visitors=len(tickets[s["ticket"]].children_data),
            gate=f"gate {s['node']}",
        )
        for s in batch
    )


def _merge(park, tickets, scans, now):
    ids = sorted({tickets[s["ticket"]].pk for s in scans})
    locked = refold.tickets_lock(ids, park)
    return refold.tickets_merge(locked, park=park, now=now)


def _state(tickets, legacy_ids):
    ids = [t.pk for t in tickets]
    index = {pk: i for i, pk in enumerate(ids)}
    visits = ParkVisit.objects.filter(ticket_id__in=ids)
    return (
        sorted(
            Ticket.objects.filter(pk__in=ids).values_list(
                "pk", "status", "visits_used", "entry_time", "exit_time", "used_at"
            )
        ),
        sorted(GateScan.objects.filter(ticket_id__in=ids).values_list("event_id", "role")),
        sorted(
            visits.filter(scan__isnull=False).values_list(
                "scan__event_id",
                "ticket_id",
                "park_id",
                "status",
                "entry_time",
                "exit_time",
                "visit_date",
                "visitor_count",
                "visitor_ages",
                "entry_method",
                "gate",
                "validated_by_id",
            )
        ),
        [visits.filter(pk=pk).values_list("status", "exit_time").get() for pk in legacy_ids],
        sorted(
            DoubleEntry.objects.filter(ticket_id__in=ids).values_list(
                "scan__event_id", "first_scan__event_id", "kind", "day", "park_id", "ticket_id"
            )
        ),
        sorted(
            (index[int(e.aggregate_id)], e.version, e.data)
            for e in DomainEvent.objects.filter(event_type="ticket.merged", aggregate_id__in=[str(i) for i in ids])
        ),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=scan_sets())
def test_the_sql_refold_stores_what_the_python_fold_stores(park, tickets, drawn, monkeypatch):
    base, scans, legacy, reentry = drawn
    for i, scan in enumerate(scans):
        scan["id"] = i + 1
    now = timezone.now()

    def run(in_sql):
        monkeypatch.setattr(refold, "SQL_ON_POSTGRESQL", in_sql)
        with transaction.atomic():
            Park.objects.filter(pk=park.pk).update(reentry_allowed=reentry)
            park.refresh_from_db()
            legacy_ids = []
            for ticket, day_ms, offset, exited in legacy:
                entry = ms_to_datetime(base + day_ms + offset)
                legacy_ids.append(
                    ParkVisit.objects.create(
                        park=park,
                        ticket=tickets[ticket],
                        entry_time=entry,
                        exit_time=entry + datetime.timedelta(milliseconds=5) if exited else None,
                        visit_date=timezone.localdate(entry),
                        status=ParkVisit.Status.EXITED if exited else ParkVisit.Status.ACTIVE,
                    ).pk
                )
            first = [s for s in scans if not s["later"]]
            _insert(park, tickets, first, first)
            found = [_merge(park, tickets, first, now)] if first else []
            later = [s for s in scans if s["later"]]
            _insert(park, tickets, later, later)
            found.append(_merge(park, tickets, scans, now))
            state = (found, _state(tickets, legacy_ids))
            transaction.set_rollback(True)
        return state

    assert run(True) == run(False)
