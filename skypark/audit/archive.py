"""Audit entries older than ``ARCHIVE_AFTER_DAYS["audit"]`` move to the archive table,
entry for entry (same id and contents; the database refuses to delete one that is not
already there). ``audit.invariants.digest`` covers both tables, so the log is proved
complete and unchanged before and after archiving."""

from skypark.core.archiving import Policy

from .models import AuditEntry, AuditEntryArchive

ARCHIVES = [Policy(AuditEntry, AuditEntryArchive, "created_at", "audit")]
