"""Hide the secrets that entries written before secret masking by name recorded in clear
(e.g. a program's ``webhook_secret``). The append-only trigger is lifted for this one
rewrite, inside the migration's transaction, and restored."""

import re

from django.db import migrations

HIDDEN = "[hidden]"
SECRET_WORDS = re.compile(r"(^|_)(secret|token|password|passwd|hash|otp|pin|cvc|cvv|seed)(_|$|s$)|.+_key$")


def _mask(value):
    if isinstance(value, dict):
        return {
            k: (HIDDEN if SECRET_WORDS.search(str(k).lower()) and v not in (None, "") else _mask(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value


def scrub(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
    rows = AuditEntry.objects.only("id", "before", "after", "data").order_by("id")
    for entry in rows.iterator(chunk_size=2000):
        masked = {name: _mask(getattr(entry, name)) for name in ("before", "after", "data")}
        if any(masked[name] != getattr(entry, name) for name in masked):
            AuditEntry.objects.filter(pk=entry.pk).update(**masked)
    if postgres:
        schema_editor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


def keep_scrubbed(apps, schema_editor):
    """One way by design: the secrets hidden here are not kept anywhere to be put back."""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(scrub, keep_scrubbed)]
