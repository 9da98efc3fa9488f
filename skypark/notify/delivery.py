"""Delivering notifications: one at a time (``notification_deliver``, with the task's
retries) or the copies of one message together (``notifications_deliver``).

Delivery is a claim in three short steps so that no database transaction stays open
while an SMTP server or SMS gateway is being talked to:

1. lock the row, skip it if it is already sent or failed, mark it ``sending`` and count
   the attempt (commit);
2. talk to the transport, outside any transaction;
3. record the outcome, but only on a row that is still ``sending`` (commit).

A second task for the same notification that arrives during step 2 sees ``sending``
with a fresh claim and backs off with a temporary error; after the first task finishes
it sees ``sent`` and does nothing. A worker that dies in step 2 leaves a stale claim,
which a retry takes over once ``NOTIFY_SENDING_LEASE_SECONDS`` have passed, so a crash delays a message
instead of losing it.
"""

import base64
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notification
from .sms import NotificationError, NotificationPermanentError, NotificationTemporaryError, get_sms_backend

logger = logging.getLogger(__name__)

BOUNCE_HEADER = "X-Skypark-Notification"
MAX_ERROR_LENGTH = 2000
Channel = Notification.Channel
Status = Notification.Status


def _sending_lease():
    return timedelta(seconds=getattr(settings, "NOTIFY_SENDING_LEASE_SECONDS", 300))


def _claim(notification_id):
    """Step 1: the row, now ``sending`` with one more attempt, or None if done."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.status in (Status.SENT, Status.FAILED, Status.BOUNCED):
            return None
        now = timezone.now()
        if notification.status == Status.SENDING and notification.updated_at > now - _sending_lease():
            raise NotificationTemporaryError(_("Another worker is delivering this notification."))
        notification.status = Status.SENDING
        notification.attempts += 1
        notification.save(update_fields=["status", "attempts", "updated_at"])
        return notification


def _classify(exc):
    """Map a transport's exception onto temporary or permanent."""
    if isinstance(exc, NotificationTemporaryError | NotificationPermanentError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        kind = NotificationPermanentError if permanent else NotificationTemporaryError
        return kind(f"SMTP recipients refused: {exc.recipients}")
    if isinstance(exc, smtplib.SMTPResponseException):
        kind = NotificationPermanentError if exc.smtp_code >= 500 else NotificationTemporaryError
        return kind(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}")
    if isinstance(exc, smtplib.SMTPException | OSError):
        # Disconnects, refused connections, timeouts, DNS failures.
        return NotificationTemporaryError(f"{type(exc).__name__}: {exc}")
    return NotificationPermanentError(f"{type(exc).__name__}: {exc}")


def _transport(notification):
    if notification.channel == Channel.EMAIL:
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.to_address],
            # Bounce reports name the message by this header (``notify.bounces``).
            headers={BOUNCE_HEADER: str(notification.pk)},
        )
        if notification.body_html:
            message.attach_alternative(notification.body_html, "text/html")
        for item in notification.attachments:
            message.attach(item["filename"], base64.b64decode(item["content_b64"]), item["mimetype"])
        message.send()
    elif notification.channel == Channel.SMS:
        get_sms_backend().send(notification.to_address, notification.body)
    # An in-app message is delivered by existing: the row is the inbox entry.


def _finish(notification, **fields):
    """Step 3: record the outcome on a row that is still ours."""
    fields["updated_at"] = timezone.now()
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(**fields)
    for name, value in fields.items():
        setattr(notification, name, value)


def notification_deliver(notification_id) -> Notification | None:
    """Send one notification through its channel and record the outcome.

    Idempotent: a notification that is already sent (or failed for good) is left alone
    and None is returned. Locks the row only to claim it and never holds a transaction
    open while the transport is called (see the module docstring).

    On success the row is ``sent`` with ``sent_at``. On a temporary failure it goes back
    to ``queued`` with ``last_error`` and ``NotificationTemporaryError`` is raised for the
    task to retry; on a permanent one it is ``failed`` and ``NotificationPermanentError``
    is raised. Every try counts in ``attempts``.
    """
    notification = _claim(notification_id)
    if notification is None:
        return None
    try:
        _transport(notification)
    except Exception as exc:
        raise _failed(notification, exc) from exc
    _finish(notification, status=Status.SENT, sent_at=timezone.now(), last_error="")
    return notification


def _failed(notification, exc) -> NotificationError:
    """Records a transport's failure on a claimed row (``failed`` for good, or back to
    ``queued`` to be tried again) and returns the classified error."""
    if not isinstance(exc, NotificationError | smtplib.SMTPException | OSError):
        logger.exception("Notification %s failed with an unexpected error", notification.pk)
    error = _classify(exc)
    permanent = isinstance(error, NotificationPermanentError)
    _finish(
        notification,
        status=Status.FAILED if permanent else Status.QUEUED,
        last_error=str(error)[:MAX_ERROR_LENGTH],
    )
    return error


def _claim_many(notification_ids) -> tuple[list, list]:
    """Step 1 for several rows at once: ``(claimed, busy)``, the rows now ``sending``
    with one more attempt and the ids another worker's live claim holds."""
    with transaction.atomic():
        rows = list(Notification.objects.select_for_update().filter(pk__in=list(notification_ids)).order_by("pk"))
        now = timezone.now()
        lease_start = now - _sending_lease()
        claimed, busy = [], []
        for notification in rows:
            if notification.status in (Status.SENT, Status.FAILED, Status.BOUNCED):
                continue
            if notification.status == Status.SENDING and notification.updated_at > lease_start:
                busy.append(notification.pk)
                continue
            claimed.append(notification)
        if claimed:
            Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
                status=Status.SENDING, attempts=F("attempts") + 1, updated_at=now
            )
        for notification in claimed:
            notification.status, notification.attempts, notification.updated_at = (
                Status.SENDING,
                notification.attempts + 1,
                now,
            )
        return claimed, busy


def notifications_deliver(notification_ids) -> tuple[list[Notification], list[int]]:
    """``notification_deliver`` for the copies of one message together: one claim for
    all of them and one UPDATE for those sent (three statements in all, where one at a
    time takes three each). Returns ``(sent, to_retry)``: ``to_retry`` are the ids that
    failed for now (back to ``queued``) or that another worker is sending, for the
    caller to deliver one by one with their retry policy. A permanent failure is
    recorded as failed and not returned."""
    claimed, to_retry = _claim_many(notification_ids)
    sent = []
    for notification in claimed:
        try:
            _transport(notification)
        except Exception as exc:
            if not isinstance(_failed(notification, exc), NotificationPermanentError):
                to_retry.append(notification.pk)
        else:
            sent.append(notification)
    if sent:
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in sent], status=Status.SENDING).update(
            status=Status.SENT, sent_at=now, last_error="", updated_at=now
        )
        for notification in sent:
            notification.status, notification.sent_at, notification.last_error = Status.SENT, now, ""
    return sent, to_retry


def notification_fail(notification_id, *, error: str) -> bool:
    """Give up on a notification (its retries are exhausted). A notification that was
    sent meanwhile stays sent. Returns whether the row changed."""
    now = timezone.now()
    changed = (
        Notification.objects.filter(pk=notification_id)
        .exclude(status__in=(Status.SENT, Status.BOUNCED))
        # A live claim belongs to a worker that is sending right now; its outcome wins.
        .exclude(status=Status.SENDING, updated_at__gt=now - _sending_lease())
        .update(status=Status.FAILED, last_error=str(error)[:MAX_ERROR_LENGTH], updated_at=now)
    )
    return bool(changed)
