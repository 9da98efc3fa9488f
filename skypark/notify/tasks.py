"""Celery tasks for notifications: load by id, call the service, own the retry policy."""

import logging
from datetime import timedelta

from celery import shared_task

from .delivery import notification_deliver, notification_fail, notifications_deliver
from .models import Notification
from .services import notifications_requeue_stale
from .sms import NotificationPermanentError, NotificationTemporaryError

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
BASE_COUNTDOWN = 30


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES, name="notify.deliver_notification")
def deliver_notification(self, notification_id):
    """Deliver one notification; safe to run twice (the service skips sent ones).

    Temporary failures (the service maps SMTP, socket and gateway outages onto
    ``NotificationTemporaryError``) are retried after 30 s, 1, 2, 4 and 8 min; after the
    last retry the notification is marked failed. Permanent failures are already
    recorded as failed by the service and are not retried.
    """
    try:
        notification_deliver(notification_id)
    except Notification.DoesNotExist:
        logger.warning("Notification %s no longer exists; nothing to deliver", notification_id)
    except NotificationTemporaryError as exc:
        if self.request.retries >= self.max_retries:
            notification_fail(notification_id, error=str(exc))
            logger.warning("Notification %s failed after %s retries: %s", notification_id, self.request.retries, exc)
            return
        raise self.retry(exc=exc, countdown=BASE_COUNTDOWN * 2**self.request.retries)
    except NotificationPermanentError as exc:
        logger.warning("Notification %s failed permanently: %s", notification_id, exc)


@shared_task(acks_late=True, name="notify.notifications_requeue_stale")
def notifications_requeue(older_than_seconds=300):
    """Queue delivery again for notifications stuck in ``queued`` (see the service)."""
    return notifications_requeue_stale(older_than=timedelta(seconds=older_than_seconds))


@shared_task(acks_late=True, name="notify.deliver_notifications")
def deliver_notifications(notification_ids):
    """Deliver the copies of one message (its e-mail, SMS and in-app rows) together;
    safe to run twice. One that fails for now, or that another worker is sending,
    continues as ``deliver_notification``'s first retry, with that task's policy."""
    _sent, to_retry = notifications_deliver(notification_ids)
    for notification_id in to_retry:
        deliver_notification.apply_async((notification_id,), countdown=BASE_COUNTDOWN, retries=1)


@shared_task(bind=True, acks_late=True, max_retries=3, name="notify.send_sms_text")
def send_sms_text(self, to, text):
    """Send one SMS straight through the SMS backend, with no notification row: for
    one-time secrets (password reset codes) that must not be kept in the log. Temporary
    gateway failures are retried after 10, 20 and 40 s; a code lives for minutes only."""
    from .sms import get_sms_backend

    try:
        get_sms_backend().send(to, text)
    except NotificationTemporaryError as exc:
        if self.request.retries >= self.max_retries:
            logger.warning("SMS to …%s failed after %s retries: %s", to[-4:], self.request.retries, exc)
            return
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries)
    except NotificationPermanentError as exc:
        logger.warning("SMS to …%s failed permanently: %s", to[-4:], exc)
