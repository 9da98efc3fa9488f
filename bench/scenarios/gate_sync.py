"""``gate-sync``: 10 gates of one park each recorded 5,000 scans offline (1,000 in
``--quick``) of overlapping tickets — entries, exits and refusals, each gate with its own
hybrid logical clock — and upload them at once, 10 clients, in batches of 500, through
``POST /api/v1/parks/gate/scans/``. Headline: merged events per second (target ≥ 5,000).

Correctness, read back from the database and recomputed from the uploaded logs alone:
``lost_scans`` (uploaded scans not stored), ``double_entries_unreported`` (second entries
the rules find in the logs with no double-entry row), ``occupancy_mismatch`` (people
inside by the logs vs the replicated counter vs the park's row), ``unexpected`` (non-200
answers)."""

import datetime
import json
import os
import random
import tempfile
import time
import uuid

from bench.harness import CpuMeter, Req, Server, build_summary, run_load

GATES = 10
BATCH = 500
TARGET_EVENTS_S = 5_000


def seed(tickets: int) -> dict:
    """A park, 10 registered gate devices and ``tickets`` paid tickets for today with
    signed codes (one to three visitors each)."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from bench.scenarios import parkkit
    from skypark.parks.gates import devices, packs, signing
    from skypark.parks.models import Park, Ticket

    park = parkkit.park_create(1_000_000)
    Park.objects.filter(pk=park["id"]).update(reentry_allowed=True)
    staff = get_user_model().objects.create_user("+996555999999", None, name="Gate lead", is_staff=True)
    tokens = []
    for i in range(GATES):  # each gate downloaded its pack before going offline
        device, token = devices.device_register(park=Park.objects.get(pk=park["id"]), name=f"gate-{i}", staff=staff)
        packs.pack_window_record(device=device, now=timezone.now() - datetime.timedelta(hours=2))
        tokens.append(token)
    owner = get_user_model().objects.create_user("+996555777770", None, name="Ticket owner")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Ticket._meta.db_table, tickets],
        )
        ids = [row[0] for row in cursor.fetchall()]
    key = signing.signing_key_current()
    rng = random.Random(11)
    rows = []
    for pk in ids:
        visitors = rng.randint(1, 3)
        ticket = Ticket(
            pk=pk,
            customer=owner,
            park_id=park["id"],
            visit_date=Ticket._meta.get_field("visit_date").to_python(parkkit.today()),
            status=Ticket.Status.ACTIVE,
            price=Decimal("790.00"),
            children_data=[{"name": "Guest", "age": 5, "child_id": None, "price": "790.00"}] * visitors,
        )
        ticket.qr_code = signing.ticket_code_sign(ticket, key=key)
        rows.append(ticket)
    Ticket.objects.bulk_create(rows, batch_size=2000)
    return {"park": park, "tokens": tokens, "tickets": [{"id": t.pk, "code": t.qr_code} for t in rows]}


def offline_logs(tickets: list, scans: int, seed_: int = 5) -> list[list[dict]]:
    """Each gate's log: mostly entries of tickets drawn from one shared pool (so gates
    overlap), exits of tickets it saw inside, a few refusals; clocks within the last
    hour, each gate's own clock running on."""
    rng = random.Random(seed_)
    now_ms = int(time.time() * 1000)
    logs = []
    for gate in range(GATES):
        ms, counter, inside, log = now_ms - 3_600_000 + gate * 7, 0, [], []
        for _ in range(scans):
            ms += rng.randint(0, 600)
            ticket = rng.choice(tickets)
            kind = "exit" if inside and rng.random() < 0.3 else "entry"
            if kind == "exit":
                ticket = inside.pop(rng.randrange(len(inside)))
            admitted = kind == "exit" or rng.random() < 0.95
            if kind == "entry" and admitted:
                inside.append(ticket)
            log.append(
                {
                    "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "hlc": f"{ms}:{counter}",
                    "kind": kind,
                    "admitted": admitted,
                    "reason": "" if admitted else "already_used",
                    "ticket_id": ticket["id"],
                    "method": "qr" if kind == "entry" else "",
                    "code": ticket["code"] if kind == "entry" else "",
                }
            )
        logs.append(log)
    return logs


def check(park_id: int, logs_path: str) -> dict:
    """The stored outcome against the logs (a JSON file): lost scans, double entries the
    rules find in the logs that have no row, and people inside three ways."""
    from collections import defaultdict

    from django.utils import timezone

    from skypark.parks.gates import refold, rules
    from skypark.parks.gates.clock import ms_to_datetime
    from skypark.parks.models import DoubleEntry, GateDevice, GateScan, Park, ParkVisit, Ticket

    with open(logs_path) as handle:
        logs = json.load(handle)
    nodes = {
        f"gate-{i}": device.node_id
        for i, device in enumerate(GateDevice.objects.filter(park_id=park_id).order_by("pk"))
    }
    uploaded = {e["event_id"] for log in logs for e in log}
    stored = {
        str(e)
        for e in GateScan.objects.filter(park_id=park_id, device__isnull=False).values_list("event_id", flat=True)
    }
    tickets = {t.pk: t for t in Ticket.objects.filter(park_id=park_id)}
    per_ticket = defaultdict(list)
    for i, log in enumerate(logs):
        for e in log:
            ms, counter = map(int, e["hlc"].split(":"))
            at = ms_to_datetime(ms)
            per_ticket[e["ticket_id"]].append(
                rules.ScanFact(
                    key=(ms, counter, nodes[f"gate-{i}"], e["event_id"]),
                    kind=e["kind"],
                    admitted=e["admitted"],
                    day=timezone.localdate(at),
                    at=at,
                    visitors=len(tickets[e["ticket_id"]].children_data),
                )
            )
    expected_doubles, inside = set(), 0
    for ticket_id, facts in per_ticket.items():
        ticket = tickets[ticket_id]
        result = rules.fold(
            rules.TicketFacts(
                visits_allowed=ticket.visits_allowed,
                valid_from=ticket.visit_date,
                valid_until=ticket.visit_date,
                reentry_allowed=True,
            ),
            facts,
        )
        expected_doubles |= set(result.doubles)
        inside += len(result.state.open) * len(ticket.children_data)
    reported = {str(e) for e in DoubleEntry.objects.filter(park_id=park_id).values_list("scan__event_id", flat=True)}
    today = timezone.localdate()
    counter_value = refold.occupancy_get(park_id=park_id, day=today)
    visits_inside = sum(
        ParkVisit.objects.filter(park_id=park_id, status="active", visit_date=today).values_list(
            "visitor_count", flat=True
        )
    )
    park = Park.objects.get(pk=park_id)
    return {
        "uploaded": len(uploaded),
        "stored": len(stored),
        "lost": len(uploaded - stored),
        "expected_double_entries": len(expected_doubles),
        "reported_double_entries": len(reported),
        "unreported": len(expected_doubles - reported),
        "inside_by_logs": inside,
        "inside_by_counter": counter_value,
        "inside_by_visits": visits_inside,
        "park_occupancy": park.current_occupancy,
    }


def upload_request(token: str, events: list) -> Req:
    body = json.dumps({"batch_id": str(uuid.uuid4()), "events": events}).encode()
    headers = {"Authorization": f"Device {token}", "Content-Type": "application/json", "Accept": "application/json"}
    return Req("POST", "/api/v1/parks/gate/scans/", body=body, headers=headers)


def run(ctx):
    scans = ctx.size(5_000, 1_000)
    seeded = ctx.step("seed", tickets=ctx.size(3_000, 600))
    logs = offline_logs(seeded["tickets"], scans)
    batches = []
    for start in range(0, scans, BATCH):  # the gates upload side by side
        for gate, log in enumerate(logs):
            batches.append((seeded["tokens"][gate], log[start : start + BATCH]))
    answers = {"ok": 0, "unexpected": 0}

    def on_response(_i, status, _body):
        answers["ok" if status == 200 else "unexpected"] += 1

    with Server(ctx.db, ctx.scenario) as server:
        result = run_load(
            server.port,
            GATES,
            lambda _c, i: upload_request(*batches[i]),
            requests=len(batches),
            seconds=ctx.size(600, 300),
            warmup=Req("GET", f"/api/v1/parks/{seeded['park']['slug']}/"),
            on_response=on_response,
            meter=CpuMeter(server, ctx.db),
            label="gate-sync",
        )
    row = {"type": "run", **result.row()}
    events = sum(len(b[1]) for b in batches)
    row["events"] = events
    row["events_s"] = round(events / row["seconds"], 1) if row.get("seconds") else None
    ctx.emit(row)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(logs, handle)
    db = ctx.step("check", park_id=seeded["park"]["id"], logs_path=handle.name)
    os.unlink(handle.name)
    counters = {
        "lost_scans": db["lost"],
        "double_entries_unreported": db["unreported"],
        "occupancy_mismatch": abs(db["inside_by_logs"] - db["inside_by_counter"])
        + abs(db["inside_by_logs"] - db["inside_by_visits"])
        + abs(min(db["inside_by_counter"], 1_000_000) - db["park_occupancy"]),
        "unexpected": answers["unexpected"],
    }
    return build_summary(
        ctx.scenario,
        row,
        counters=counters,
        runs=[row],
        extra={
            "gates": GATES,
            "scans_per_gate": scans,
            "batch": BATCH,
            "events_s": row["events_s"],
            "targets": {"events_s>=5000": (row["events_s"] or 0) >= TARGET_EVENTS_S},
            "database": db,
        },
    )
