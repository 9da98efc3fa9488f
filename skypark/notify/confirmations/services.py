"""Sending a confirmation: describe the object in its customer's language, render the
ticket PDF (and the .ics for a dated visit) and queue it by e-mail, SMS and in-app.

The first confirmation goes through the core's outbox (``skypark.core.outbox``): a domain
calls ``confirmation_queue`` inside the transaction that pays or confirms the thing, which
records the effect ``notify.confirmation`` (in the order's one message when a payment is
being confirmed); ``confirmation_effect`` then writes the notifications in the message's
own transaction, so they exist exactly once however often a worker dies on the way.

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
from skypark.core.outbox import outbox_add

from ..models import Notification
from ..services import notification_send, recipient_language
from .documents import confirmation_attachments
from .registry import NothingToConfirm, describer_for, related_for

logger = logging.getLogger(__name__)

CHANNELS = (Notification.Channel.EMAIL, Notification.Channel.SMS, Notification.Channel.IN_APP)
EFFECT = "notify.confirmation"


def _send(obj, *, resend: bool, savepoint: bool = True) -> list[Notification]:
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
        savepoint=savepoint,
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
    """Records, in the caller's transaction, that ``obj``'s first confirmation must
    follow it (an outbox effect): a rolled-back purchase sends nothing, and a payment
    callback does not wait for a PDF to be drawn."""
    outbox_add(EFFECT, label=obj._meta.label_lower, pk=obj.pk)


def confirmation_effect(*, message, label: str, pk) -> list[Notification]:
    """The outbox handler of ``notify.confirmation``: loads ``label``'s object by id and
    writes its first confirmation inside the message's transaction, with no savepoint of
    its own (a failure rolls the whole message back for the sweep to retry). An object
    that is gone or no longer confirmable is skipped."""
    model = apps.get_model(label)
    obj = model._default_manager.select_related(*related_for(label)).filter(pk=pk).first()
    if obj is None:
        logger.warning("Confirmation skipped: %s %s no longer exists", label, pk)
        return []
    try:
        return _send(obj, resend=False, savepoint=False)
    except NothingToConfirm:
        logger.info("Confirmation skipped: %s %s has nothing to confirm", label, pk)
        return []
