"""Card scans older than ``ARCHIVE_AFTER_DAYS["scans"]`` move to the archive (the fraud
rules look back minutes, the partner analytics days)."""

from skypark.core.archiving import Policy

from .models import ScanLog, ScanLogArchive

ARCHIVES = [Policy(ScanLog, ScanLogArchive, "created_at", "scans")]
