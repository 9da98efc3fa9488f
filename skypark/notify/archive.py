"""Sent and failed notifications older than ``ARCHIVE_AFTER_DAYS["notifications"]`` move to
the archive; queued ones never do, nor one that a live notification was resent from."""

from skypark.core.archiving import Policy

from .models import Notification, NotificationArchive


def _keep_resent(rows):
    return rows.exclude(pk__in=Notification.objects.filter(resent_from__isnull=False).values("resent_from_id"))


ARCHIVES = [
    Policy(
        Notification,
        NotificationArchive,
        "created_at",
        "notifications",
        only={"status__in": [Notification.Status.SENT, Notification.Status.FAILED]},
        keep=_keep_resent,
    )
]
