"""Writes for notifications: request, mark read, resend (delivery is ``delivery``).

Other apps call ``notification_send``; everything after that (rendering is done at once,
delivery by the ``deliver_notifications`` Celery task after the caller's transaction
commits) is this app's business.
"""

import base64
import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.accounts.phones import normalise_phone
from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

from .models import Notification
from .rendering import render_kind, validate_kind

logger = logging.getLogger(__name__)

Channel = Notification.Channel
Status = Notification.Status


class NotificationNotResendable(DomainError):
    code = "notification_not_resendable"


def recipient_language(recipient, language=None) -> str:
    """The language a message to ``recipient`` is written in: ``language`` if given and
    offered, else the recipient's own, else the site's default."""
    return _language_for(recipient, language)


def _language_for(recipient, language):
    codes = {code for code, _name in settings.LANGUAGES}
    for candidate in (language, getattr(recipient, "language", None)):
        if candidate in codes:
            return candidate
    return settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in codes else "en"


def _normalise_address(channel, address):
    address = (address or "").strip()
    if not address:
        return ""
    if channel == Channel.EMAIL:
        validate_email(address)
        return address
    if channel == Channel.SMS:
        return normalise_phone(address)
    return ""


def _address_for(channel, recipient, to_address):
    """The address to use on ``channel``, or "" when the message cannot go there."""
    if channel == Channel.IN_APP:
        return ""
    explicit = to_address.get(channel) if isinstance(to_address, Mapping) else to_address
    if explicit:
        return _normalise_address(channel, explicit)
    if recipient is None or not recipient.is_active:
        return ""  # an inactive account (erased, or a desk's walk-in account) gets no e-mail or SMS
    return (recipient.email or "") if channel == Channel.EMAIL else (recipient.phone or "")


def _encode_attachments(attachments) -> list[dict]:
    encoded = []
    for filename, content, mimetype in attachments or ():
        raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        encoded.append(
            {"filename": filename, "mimetype": mimetype, "content_b64": base64.b64encode(raw).decode("ascii")}
        )
    return encoded


def _queue_delivery(notification_id):
    # Imported here because the tasks module imports this one.
    from .tasks import deliver_notification

    transaction.on_commit(lambda: deliver_notification.delay(notification_id))


def _queue_deliveries(notification_ids):
    """One task for the copies of one message (its e-mail, SMS and in-app rows)."""
    from .tasks import deliver_notification, deliver_notifications

    ids = list(notification_ids)
    if len(ids) == 1:
        transaction.on_commit(lambda: deliver_notification.delay(ids[0]))
    elif ids:
        transaction.on_commit(lambda: deliver_notifications.delay(ids))


def notifications_requeue_stale(*, older_than: timedelta = timedelta(minutes=5), limit: int = 1000, now=None) -> int:
    """Queues delivery again for notifications still ``queued`` after ``older_than``.

    A notification's delivery is published after its transaction commits; a worker
    killed between the commit and the publish leaves the row ``queued`` with no message
    for it. This periodic sweep is the safety net: delivery is idempotent (a sent row is
    skipped, a row being sent is left to its worker's lease), so queuing one that does
    have a message waiting costs one no-op task. Rows are taken with ``SKIP LOCKED`` and
    touched, so concurrent sweeps and the next run do not queue the same rows again.
    Returns how many were queued."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Notification.Status.QUEUED, updated_at__lt=now - older_than)
            .order_by("updated_at")
            .values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids).update(updated_at=now)
        for notification_id in ids:
            _queue_delivery(notification_id)
    if ids:
        logger.info("Queued %s stale notifications again", len(ids))
    return len(ids)


def schedules_install() -> list:
    """Registers the stale-notification sweep (every 5 minutes) with django-celery-beat.
    Safe to call any number of times."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    interval, _created = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    periodic, _created = PeriodicTask.objects.get_or_create(
        name="Notifications: queue stale ones again",
        defaults={"task": "notify.notifications_requeue_stale", "interval": interval, "enabled": True},
    )
    return [periodic]


def notification_send(
    *,
    recipient=None,
    kind: str,
    context: dict | None = None,
    channels: Iterable[str] = (Channel.EMAIL,),
    related=None,
    to_address: str | Mapping[str, str] | None = None,
    language: str | None = None,
    dedupe_key: str | None = None,
    savepoint: bool = True,
) -> list[Notification]:
    """Render ``kind`` in the recipient's language and queue one notification per channel.

    ``recipient`` is a user (their e-mail, phone and language are used) or None for a bare
    ``to_address``. ``to_address`` overrides the recipient's address: a string applies to
    every requested channel, a mapping such as ``{"email": ..., "sms": ...}`` to each one.
    Channels the recipient has no address for are skipped; ``in_app`` needs a recipient.
    ``context`` goes to the templates; its ``attachments`` entry, a list of
    ``(filename, content, mimetype)``, is attached to e-mails.

    ``dedupe_key`` makes the call idempotent: asking again with the same key returns the
    rows created the first time and sends nothing new (a unique constraint on key and
    channel settles concurrent callers).

    Delivery is queued with ``transaction.on_commit`` (one task for all the channels),
    so a caller whose transaction rolls back sends nothing. Returns the notifications,
    new or existing.

    The writes run in a savepoint of their own; ``savepoint=False`` joins the caller's
    transaction without one, for a caller that rolls back and retries as a whole on any
    error (an outbox handler): a concurrent duplicate then fails that transaction
    instead of being settled here.
    """
    arguments = {
        "recipient": recipient,
        "kind": kind,
        "context": context,
        "channels": channels,
        "related": related,
        "to_address": to_address,
        "language": language,
        "dedupe_key": dedupe_key,
        "savepoint": savepoint,
    }
    if not savepoint:
        return _notification_send(**arguments)
    with transaction.atomic():
        return _notification_send(**arguments)


def _notification_send(
    *, recipient, kind, context, channels, related, to_address, language, dedupe_key, savepoint
) -> list[Notification]:
    validate_kind(kind)
    context = dict(context or {})
    attachments = _encode_attachments(context.pop("attachments", None))
    channels = list(dict.fromkeys(channels))
    unknown = set(channels) - set(Channel.values)
    if unknown:
        raise ValueError(f"Unknown notification channels: {sorted(unknown)}")
    if recipient is None and not to_address:
        raise ValueError("A notification needs a recipient or a to_address.")

    addresses = {}
    for channel in channels:
        if channel == Channel.IN_APP and recipient is None:
            continue
        address = _address_for(channel, recipient, to_address)
        if channel != Channel.IN_APP and not address:
            continue
        addresses[channel] = address
    if not addresses:
        return []

    language = _language_for(recipient, language)
    rendered = render_kind(kind, language=language, context={"recipient": recipient, **context})
    content_type = ContentType.objects.get_for_model(related) if related is not None else None

    rows = {}
    for channel, address in addresses.items():
        rows[channel] = {
            "recipient": recipient,
            "kind": kind,
            "language": language,
            "to_address": address,
            "subject": rendered.subject,
            "body": rendered.sms if channel == Channel.SMS else rendered.body,
            "body_html": rendered.body_html if channel == Channel.EMAIL else "",
            "attachments": attachments if channel == Channel.EMAIL else [],
            "content_type": content_type,
            "object_id": str(related.pk) if related is not None else "",
        }
    if dedupe_key:
        return _deduplicated_create(dedupe_key, rows, savepoint=savepoint)
    notifications = Notification.objects.bulk_create(
        [Notification(channel=channel, **fields) for channel, fields in rows.items()]
    )
    _queue_deliveries(n.pk for n in notifications)
    return notifications


def _deduplicated_create(dedupe_key, rows: dict, *, savepoint=True) -> list[Notification]:
    """The notifications of ``dedupe_key``, one per channel of ``rows``: those that exist
    already are read back, the missing ones inserted together and queued. A concurrent
    caller that inserted them first wins: its rows are read back and nothing is queued
    twice (without ``savepoint``, the IntegrityError is the caller's)."""
    found = {n.channel: n for n in Notification.objects.filter(dedupe_key=dedupe_key, channel__in=list(rows))}
    missing = [Notification(dedupe_key=dedupe_key, channel=c, **f) for c, f in rows.items() if c not in found]
    if missing:
        try:
            with transaction.atomic(savepoint=savepoint):
                created = Notification.objects.bulk_create(missing)
        except IntegrityError:
            if not savepoint:
                raise
            found = {n.channel: n for n in Notification.objects.filter(dedupe_key=dedupe_key, channel__in=list(rows))}
        else:
            _queue_deliveries(n.pk for n in created)
            found.update((n.channel, n) for n in created)
    return [found[channel] for channel in rows if channel in found]


def notification_mark_read(*, recipient, ids: Iterable[int] | None = None) -> int:
    """Mark the recipient's in-app notifications read: those in ``ids``, or all of them
    when ``ids`` is None. Ids that are not theirs are ignored. Returns how many changed."""
    qs = Notification.objects.filter(recipient=recipient, channel=Channel.IN_APP, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now(), updated_at=timezone.now())


@transaction.atomic
def notification_resend(*, notification: Notification, actor=None) -> Notification:
    """Send an e-mail or SMS again, for staff ("I never got my receipt").

    The log is kept as it happened: the original row stays as it is and a copy with the
    same content is queued, linked through ``resent_from``. A recipient's current address
    is used, so a corrected e-mail or phone gets the message. In-app messages are never
    resent; they are in the inbox already. Writes an audit entry on the original.
    """
    if notification.channel == Channel.IN_APP:
        raise NotificationNotResendable(_("In-app messages stay in the inbox; there is nothing to resend."))
    address = notification.to_address
    if notification.recipient_id:
        current = _address_for(notification.channel, notification.recipient, None)
        address = current or address
    if not address:
        raise NotificationNotResendable(_("The recipient has no address for this channel."))
    copy = Notification.objects.create(
        recipient_id=notification.recipient_id,
        channel=notification.channel,
        kind=notification.kind,
        language=notification.language,
        to_address=address,
        subject=notification.subject,
        body=notification.body,
        body_html=notification.body_html,
        attachments=notification.attachments,
        content_type_id=notification.content_type_id,
        object_id=notification.object_id,
        resent_from=notification,
    )
    audit_log(actor=actor, action="notify.notification.resent", obj=notification, data={"copy_id": copy.pk})
    _queue_delivery(copy.pk)
    return copy
