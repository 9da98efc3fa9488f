"""The audit log's invariants: append-only (the PostgreSQL trigger is in place) and, in
its facts, a digest over every entry in order, so a restored copy is proved entry for
entry identical to the original."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from .models import AuditEntry

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
    return [] if count else ["the append-only trigger on audit_auditentry is missing or disabled"]


def digest(queryset=None) -> str:
    queryset = AuditEntry.objects.all() if queryset is None else queryset
    sha = hashlib.sha256()
    for row in queryset.order_by("id").values_list(*FIELDS).iterator(chunk_size=5000):
        sha.update(json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True).encode())
        sha.update(b"\n")
    return sha.hexdigest()


def facts() -> dict:
    return {"entries": AuditEntry.objects.count(), "digest": digest()}
