"""The tickets' stream in the domain event store: every change of a ticket's state
(created, paid, admitted, exited, expired, refunded, cancelled) is appended with the
fields it changed, in the transaction that changes them, so replaying the stream
rebuilds the ticket's state (``ticket_replay``)."""

from skypark.eventlog import selectors as eventlog_selectors
from skypark.eventlog.services import event_new, events_append

TICKET = "parks.ticket"
STATE_FIELDS = ("status", "visits_used", "entry_time", "exit_time", "used_at")


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def ticket_state(ticket, fields=STATE_FIELDS) -> dict:
    return {name: _json(getattr(ticket, name)) for name in fields}


def ticket_event_new(ticket, event_type: str, *, fields=STATE_FIELDS, actor=None, data=None, **kwargs):
    """An unsaved event of ``ticket`` recording the current value of ``fields``."""
    return event_new(
        aggregate_type=TICKET,
        aggregate_id=ticket.pk,
        event_type=event_type,
        data={"changes": ticket_state(ticket, fields), **(data or {})},
        park_id=ticket.park_id,
        actor=actor,
        **kwargs,
    )


def ticket_event(ticket, event_type: str, **kwargs):
    """Appends one event to ``ticket``'s stream (inside the caller's transaction)."""
    return events_append([ticket_event_new(ticket, event_type, **kwargs)])[0]


def ticket_replay(ticket_id) -> dict:
    """The ticket's state as its events tell it."""
    return eventlog_selectors.aggregate_replay(aggregate_type=TICKET, aggregate_id=ticket_id)
