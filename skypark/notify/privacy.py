"""Personal data held by notify: the messages sent to the customer."""

from skypark.privacy.registry import Section, register, rows

from .models import Notification

SCRUBBED = "[erased]"


def export(user):
    return {
        "notifications": rows(
            Notification.objects.filter(recipient=user).order_by("pk"),
            exclude=("body_html", "attachments", "content_type", "resent_from", "dedupe_key"),
        )
    }


def erase(user):
    mine = Notification.objects.filter(recipient=user)
    # A message not sent yet would go to an address that no longer belongs to anyone.
    mine.filter(status__in=[Notification.Status.QUEUED, Notification.Status.SENDING]).update(
        status=Notification.Status.FAILED
    )
    mine.update(to_address="", subject=SCRUBBED, body=SCRUBBED, body_html="", attachments=[], last_error="")


register(Section(key="notifications", export=export, erase=erase, covers=("notify.Notification.recipient",), order=20))
