"""What a customer did somewhere on the platform, told to whoever counts it.

A domain where something worth counting happens (a park visit, a completed course) calls
``activity_record`` inside the transaction that records it; the ``activity_done`` signal
is sent once that transaction commits, so a rolled-back write counts nothing. Events
listens and turns activity into gamification points, streaks and badges; the domains
never import each other (parks and bookings do not know events exists, events does not
know parks or bookings).

``activity_done(sender=<kind>, customer_id=int, kind=str, reference=str,
occurred_at=datetime, title=str)`` — ``reference`` is unique per activity (e.g.
``park_visit:123``); a receiver counts a reference once.
"""

from django.db import transaction
from django.dispatch import Signal

PARK_VISIT = "park_visit"
COURSE_COMPLETED = "course_completed"
KINDS = (PARK_VISIT, COURSE_COMPLETED)

activity_done = Signal()


def activity_record(*, customer_id, kind: str, reference: str, occurred_at, title: str = "") -> None:
    """Sends ``activity_done`` after the caller's transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"Unknown activity kind: {kind!r}")
    if not customer_id:
        return

    def send():
        activity_done.send(
            sender=kind,
            customer_id=customer_id,
            kind=kind,
            reference=reference,
            occurred_at=occurred_at,
            title=title,
        )

    transaction.on_commit(send)
