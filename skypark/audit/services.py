"""Writing the audit log. Every service that changes state calls ``audit_log`` inside its
own transaction, so the entry commits or rolls back with the change it describes."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry

SENSITIVE_FIELDS = {"password", "key_hash", "secret", "token"}
HIDDEN = "[hidden]"


def snapshot(obj, fields=None) -> dict:
    """A JSON-safe dict of a model instance's concrete fields, without secrets.

    A model whose rows are secret only sometimes (a setting marked sensitive) names the
    fields to hide in ``audit_hidden_fields``; they are recorded as ``HIDDEN``."""
    data = {}
    hidden = set(getattr(obj, "audit_hidden_fields", ()))
    for field in obj._meta.concrete_fields:
        if field.name in SENSITIVE_FIELDS or (fields is not None and field.name not in fields):
            continue
        if field.name in hidden:
            data[field.name] = HIDDEN
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, models.FileField):
            value = value.name if value else None
        elif isinstance(value, Decimal):
            value = str(value)
        data[field.name] = value
    return data


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    if getattr(actor, "is_authenticated", False) and hasattr(actor, "phone"):
        return str(actor)[:255]
    return str(actor)[:255]


def audit_log(
    *, actor, action, obj=None, before=None, after=None, data=None, source=AuditEntry.Source.SERVICE, ip_address=None
) -> AuditEntry:
    """Append one entry. ``actor`` is a user, a label string (``"merchant:cafe"``) or None
    for the system. ``before``/``after`` are dicts (see ``snapshot``)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "pk", None) if not isinstance(actor, str) else None,
        actor_label=actor_label(actor),
        action=action,
        source=source,
        before=before,
        after=after,
        data=data or {},
        ip_address=ip_address,
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:255]
    entry.save()
    return entry
