"""Reading the domain event store."""

from .models import DomainEvent


def aggregate_events(*, aggregate_type: str, aggregate_id):
    """The aggregate's events in version order."""
    return DomainEvent.objects.filter(aggregate_type=aggregate_type, aggregate_id=str(aggregate_id)).order_by("version")


def aggregate_replay(*, aggregate_type: str, aggregate_id, initial: dict | None = None) -> dict:
    """The aggregate's state rebuilt from its events: each event's ``data["changes"]``
    applied in version order."""
    state = dict(initial or {})
    for changes in aggregate_events(aggregate_type=aggregate_type, aggregate_id=aggregate_id).values_list(
        "data__changes", flat=True
    ):
        state.update(changes or {})
    return state
