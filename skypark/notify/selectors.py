from django.contrib.contenttypes.models import ContentType

from .models import Notification


def notification_inbox(*, user, unread: bool | None = None):
    """The user's in-app messages, newest first."""
    qs = Notification.objects.filter(recipient=user, channel=Notification.Channel.IN_APP).select_related("content_type")
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs.order_by("-created_at", "-pk")


def notification_unread_count(*, user) -> int:
    return notification_inbox(user=user, unread=True).count()


def notification_log(*, related=None):
    """Every notification (all channels) with what the log pages show, newest first;
    only those about ``related`` when given."""
    qs = Notification.objects.select_related("recipient", "content_type")
    if related is not None:
        qs = qs.filter(content_type=ContentType.objects.get_for_model(related), object_id=str(related.pk))
    return qs.order_by("-created_at", "-pk")
