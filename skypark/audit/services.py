"""Writing the audit log. Every service that changes state calls ``audit_log`` inside its
own transaction, so the entry commits or rolls back with the change it describes."""

import re
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry

HIDDEN = "[hidden]"
# A field or key whose name has one of these words, or ends in "_key", is a secret wherever
# it appears ("webhook_secret", "key_hash", "refresh_token", "new_password", "api_key",
# "otp_seed"); a bare "key" (a setting's name) or "key_prefix" is not.
# Models may declare more in ``audit_hidden_fields`` (see ``snapshot``).
SECRET_WORDS = re.compile(r"(^|_)(secret|token|password|passwd|hash|otp|pin|cvc|cvv|seed)(_|$|s$)|.+_key$")


def is_secret_name(name: str) -> bool:
    return bool(SECRET_WORDS.search(str(name).lower()))


def mask(value):
    """``value`` (a dict of field values, ``data``, or anything nested in them) with the
    value of every secret-named key replaced by ``HIDDEN``."""
    if isinstance(value, dict):
        return {k: (HIDDEN if is_secret_name(k) and v not in (None, "") else mask(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(item) for item in value]
    return value


def snapshot(obj, fields=None) -> dict:
    """A JSON-safe dict of a model instance's concrete fields, with secrets hidden.

    A field is hidden when its name says it is a secret (``SECRET_WORDS``) or when the
    model declares it in ``audit_hidden_fields`` (e.g. a setting's value when the setting
    is marked sensitive); it is recorded as ``HIDDEN`` so the entry still shows that it
    changed hands, never what it was."""
    data = {}
    hidden = set(getattr(obj, "audit_hidden_fields", ()))
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(obj, field.attname)
        if field.name in hidden or is_secret_name(field.name):
            data[field.name] = HIDDEN if value not in (None, "") else value
            continue
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
        before=mask(before),
        after=mask(after),
        data=mask(data or {}),
        ip_address=ip_address,
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:255]
    entry.save()
    return entry
