"""Building gate devices' uploads in tests and benchmarks."""

import datetime
import uuid

from django.utils import timezone

from skypark.parks.gates import packs
from skypark.parks.gates.clock import ms_to_datetime, now_ms


class FakeGate:
    """A gate device's local log: scans stamped with a hybrid logical clock."""

    def __init__(self, device, *, start_ms=None, pack=True):
        self.device = device
        self.ms = start_ms or now_ms(timezone.now()) - 3_600_000
        self.counter = 0
        self.log = []
        if pack:  # the device downloaded its pack a minute before its first scan
            packs.pack_window_record(device=device, now=ms_to_datetime(self.ms) - datetime.timedelta(minutes=1))

    def _stamp(self, at_ms=None):
        if at_ms is not None and at_ms > self.ms:
            self.ms, self.counter = at_ms, 0
        else:
            self.counter += 1
        return f"{self.ms}:{self.counter}"

    def scan(self, ticket, *, kind="entry", admitted=True, at_ms=None, method="qr", code=None, staff_id=None, **extra):
        event = {
            "event_id": str(uuid.uuid4()),
            "hlc": self._stamp(at_ms),
            "kind": kind,
            "admitted": admitted,
            "ticket_id": ticket.pk if ticket is not None else None,
            "method": method if kind == "entry" else "",
            "code": (code if code is not None else ticket.qr_code) if kind == "entry" and ticket is not None else "",
            "staff_id": staff_id,
            **extra,
        }
        self.log.append(event)
        return event


def batch(events, batch_id=None):
    return {"batch_id": str(batch_id or uuid.uuid4()), "events": list(events)}
