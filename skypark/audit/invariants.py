"""The audit log's invariants: append-only (the PostgreSQL trigger is in place) and, in
its facts, a digest over every entry in order, so a restored copy is proved entry for
entry identical to the original."""

import hashlib
import heapq
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from .models import AuditEntry, AuditEntryArchive

FIELDS = ("id", "created_at", "actor_id", "action", "content_type_id", "object_id", "before", "after", "data")


def problems() -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_entry_append_only' AND NOT tgisinternal "
            "AND tgenabled <> 'D'"
        )
        (count,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_archive_append_only' AND NOT tgisinternal "
            "AND tgenabled <> 'D'"
        )
        (archive,) = cursor.fetchone()
    found = [] if count else ["the append-only trigger on audit_auditentry is missing or disabled"]
    return found + ([] if archive else ["the append-only trigger on the audit archive is missing or disabled"])


def digest() -> str:
    """SHA-256 over every entry, live and archived, in id order: the same before and
    after archiving, different if any entry was changed, dropped or added."""
    sha = hashlib.sha256()
    streams = [
        model.objects.order_by("id").values_list(*FIELDS).iterator(chunk_size=5000)
        for model in (AuditEntry, AuditEntryArchive)
    ]
    for row in heapq.merge(*streams, key=lambda row: row[0]):
        sha.update(json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True).encode())
        sha.update(b"\n")
    return sha.hexdigest()


def facts() -> dict:
    return {
        "entries": AuditEntry.objects.count() + AuditEntryArchive.objects.count(),
        "digest": digest(),
    }
