from django.contrib import admin

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.core.admin_mixins import LargeTableAdminMixin, ReadOnlyAdminMixin

from .models import CrdtState, DomainEvent, DomainEventArchive


@admin.register(DomainEvent)
class DomainEventAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("created_at", "aggregate_type", "aggregate_id", "version", "event_type", "park_id", "synced")
    list_filter = ("aggregate_type", "event_type", "synced", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=aggregate_id", "=correlation_id", "event_type")
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in DomainEvent._meta.fields]


@admin.register(CrdtState)
class CrdtStateAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("id", "data_type", "node_id", "merge_strategy", "updated_at")
    list_filter = ("data_type",)
    search_fields = ("id",)
    readonly_fields = [f.name for f in CrdtState._meta.fields]


@admin.register(DomainEventArchive)
class DomainEventArchiveAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Events moved out of the live store by the nightly archiving (read-only)."""

    scope = NETWORK
    list_display = ("created_at", "aggregate_type", "aggregate_id", "version", "event_type", "park_id", "archived_at")
    list_filter = ("aggregate_type", "event_type")
    search_fields = ("=aggregate_id", "=correlation_id", "event_type")
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in DomainEventArchive._meta.fields]
