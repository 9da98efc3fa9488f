"""Reading the domain event store."""

from .models import DomainEvent, DomainEventArchive

FIELDS = ("id", "version", "event_type", "data", "created_at")


def aggregate_events(*, aggregate_type: str, aggregate_id):
    """The aggregate's events in version order, archived ones included (as dicts of
    ``FIELDS``)."""
    where = {"aggregate_type": aggregate_type, "aggregate_id": str(aggregate_id)}
    archived = DomainEventArchive.objects.filter(**where).values(*FIELDS)
    live = DomainEvent.objects.filter(**where).values(*FIELDS)
    return sorted([*archived, *live], key=lambda event: event["version"])


def aggregate_replay(*, aggregate_type: str, aggregate_id, initial: dict | None = None) -> dict:
    """The aggregate's state rebuilt from its events: each event's ``data["changes"]``
    applied in version order."""
    state = dict(initial or {})
    for event in aggregate_events(aggregate_type=aggregate_type, aggregate_id=aggregate_id):
        state.update((event["data"] or {}).get("changes") or {})
    return state
