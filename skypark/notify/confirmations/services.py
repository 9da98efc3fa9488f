"""Sending a confirmation: describe the object in its customer's language, render the
ticket PDF (and the .ics for a dated visit) and queue it by e-mail, SMS and in-app.

Attachments are rendered when the confirmation is requested and stored with the
notification (``Notification.attachments``), not rendered again at delivery: a retry
after an SMTP outage sends exactly the bytes that were logged, and the log shows what
the customer received. A staff "resend ticket" renders afresh from the object (its
current dates, names and address), as a new notification.
"""

import logging

from django.apps import apps
from django.db import transaction
from django.utils import translation

from skypark.audit.services import audit_log

from ..models import Notification
from ..services import notification_send, recipient_language
from .documents import confirmation_attachments
from .registry import NothingToConfirm, describer_for, related_for

logger = logging.getLogger(__name__)

CHANNELS = (Notification.Channel.EMAIL, Notification.Channel.SMS, Notification.Channel.IN_APP)


def _send(obj, *, resend: bool) -> list[Notification]:
    describe = describer_for(obj)
    customer = obj.customer
    language = recipient_language(customer)
    with translation.override(language):
        description = describe(obj)
        if description is None:
            raise NothingToConfirm()
        attachments = confirmation_attachments(description)
    return notification_send(
        recipient=customer,
        kind=description.kind,
        context={**description.context, "confirmation": description, "attachments": attachments},
        channels=CHANNELS,
        related=obj,
        language=language,
        dedupe_key=None if resend else description.dedupe_key,
    )


@transaction.atomic
def confirmation_send(*, obj) -> list[Notification]:
    """The first confirmation of ``obj`` (a registered model's instance): once per its
    describer's dedupe key, so a task that runs twice sends nothing new. Returns the
    notifications. Raises ``NothingToConfirm`` when the object has no valid ticket."""
    return _send(obj, resend=False)


@transaction.atomic
def confirmation_resend(*, obj, actor) -> list[Notification]:
    """Staff send the confirmation again, rendered from the object as it is now, on every
    channel the customer has an address for. Writes an audit entry on the object."""
    notifications = _send(obj, resend=True)
    audit_log(
        actor=actor,
        action="notify.confirmation.resent",
        obj=obj,
        data={"notifications": [n.pk for n in notifications], "channels": [n.channel for n in notifications]},
    )
    return notifications


def confirmation_queue(*, obj) -> None:
    """Queues the first confirmation of ``obj`` after the caller's transaction commits,
    so a rolled-back purchase sends nothing and a payment callback does not wait for a
    PDF to be drawn."""
    from ..tasks import send_confirmation

    label, pk = obj._meta.label_lower, obj.pk
    transaction.on_commit(lambda: send_confirmation.delay(label, pk))


def confirmation_send_by_id(label: str, object_id) -> list[Notification]:
    """Loads ``label``'s object by id and sends its first confirmation (for the task).
    An object that is gone or no longer confirmable is skipped."""
    model = apps.get_model(label)
    obj = model._default_manager.select_related(*related_for(label)).filter(pk=object_id).first()
    if obj is None:
        logger.warning("Confirmation skipped: %s %s no longer exists", label, object_id)
        return []
    try:
        return confirmation_send(obj=obj)
    except NothingToConfirm:
        logger.info("Confirmation skipped: %s %s has nothing to confirm", label, object_id)
        return []
