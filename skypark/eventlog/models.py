"""The domain event store: every state change of an aggregate (a ticket, a visit) as an
immutable event with a per-aggregate version, written in the same transaction as the
change (``services.event_append``). Replaying an aggregate's events in version order
rebuilds its state.

On PostgreSQL the table is partitioned by month of ``created_at`` (partitions created
ahead by a periodic job, ``services.partitions_ensure``), so its primary key and unique
index include ``created_at``; the per-aggregate version is made unique by construction
through ``AggregateStream``, the one row per aggregate that hands out versions. On SQLite
it is a plain table with the unique constraint as declared here.

``CrdtState`` is the seed's replicated state: one row per replicated value (e.g. a park's
occupancy on a day, a PN-counter per device), with its vector clock and merge strategy.
"""

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.core.archiving import archive_model


class DomainEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    aggregate_type = models.CharField(_("aggregate type"), max_length=50)
    aggregate_id = models.CharField(_("aggregate id"), max_length=64)
    event_type = models.CharField(_("event type"), max_length=50)
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    correlation_id = models.UUIDField(_("correlation id"), null=True, blank=True)
    causation_id = models.UUIDField(_("causation id"), null=True, blank=True)
    park_id = models.BigIntegerField(_("park"), null=True, blank=True)
    synced = models.BooleanField(_("synced"), default=True)
    sync_attempts = models.PositiveIntegerField(_("sync attempts"), default=0)
    last_sync_attempt = models.DateTimeField(_("last sync attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.CharField(_("created by"), max_length=255, blank=True)

    # Columns that may change after the insert (the sync bookkeeping); the rest never do.
    MUTABLE = ("synced", "sync_attempts", "last_sync_attempt")

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        ordering = ["aggregate_type", "aggregate_id", "version"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["aggregate_type", "aggregate_id", "version"], name="eventlog_event_version_unique"
            ),
            models.CheckConstraint(condition=Q(version__gt=0), name="eventlog_event_version_gt_0"),
        ]
        indexes = [
            models.Index(fields=["event_type", "created_at"], name="eventlog_type_created_idx"),
            models.Index(
                fields=["park_id", "synced", "created_at"],
                condition=Q(park_id__isnull=False),
                name="eventlog_park_sync_idx",
            ),
            models.Index(fields=["created_at"], condition=Q(synced=False), name="eventlog_unsynced_idx"),
            models.Index(
                fields=["correlation_id"], condition=Q(correlation_id__isnull=False), name="eventlog_correlation_idx"
            ),
        ]

    def __str__(self):
        return f"{self.aggregate_type}:{self.aggregate_id} v{self.version} {self.event_type}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Domain events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Domain events are append-only.")


class AggregateStream(models.Model):
    """The last version handed out for one aggregate."""

    aggregate_type = models.CharField(max_length=50)
    aggregate_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["aggregate_type", "aggregate_id"], name="eventlog_stream_unique"),
        ]

    def __str__(self):
        return f"{self.aggregate_type}:{self.aggregate_id} v{self.version}"


class CrdtState(models.Model):
    class Strategy(models.TextChoices):
        LWW = "lww", _("last writer wins")
        UNION = "union", _("union")
        INTERSECTION = "intersection", _("intersection")
        CUSTOM = "custom", _("custom")

    id = models.CharField(primary_key=True, max_length=255)
    node_id = models.CharField(_("node"), max_length=50)
    vector_clock = models.JSONField(_("vector clock"), default=dict)
    data = models.JSONField(_("data"))
    data_type = models.CharField(_("data type"), max_length=50)
    last_writer_wins = models.BooleanField(default=False)
    merge_strategy = models.CharField(
        _("merge strategy"), max_length=20, choices=Strategy.choices, default=Strategy.LWW
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("replicated state")
        verbose_name_plural = _("replicated states")
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(merge_strategy__in=["lww", "union", "intersection", "custom"]),
                name="eventlog_crdt_strategy_valid",
            ),
        ]
        indexes = [models.Index(fields=["node_id", "data_type"], name="eventlog_crdt_node_type_idx")]

    def __str__(self):
        return self.id


DomainEventArchive = archive_model(
    DomainEvent,
    name="DomainEventArchive",
    verbose_name=_("archived domain event"),
    verbose_name_plural=_("domain event archive"),
    indexes=[
        models.Index(fields=["aggregate_type", "aggregate_id", "version"], name="eventlog_archive_aggregate_idx"),
        models.Index(fields=["created_at"], name="eventlog_archive_created_idx"),
    ],
    label_fields=("event_type", "aggregate_id"),
)
