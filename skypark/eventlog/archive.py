"""Domain events older than ``ARCHIVE_AFTER_DAYS["events"]`` move to the archive table,
event for event (same id and contents; on PostgreSQL the live table refuses to delete an
event whose identical copy is not already archived). Events still waiting to sync stay.
Replaying an aggregate reads both tables (``selectors.aggregate_events``)."""

from skypark.core.archiving import Policy

from .models import DomainEvent, DomainEventArchive

ARCHIVES = [Policy(DomainEvent, DomainEventArchive, "created_at", "events", only={"synced": True})]
