from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.accounts.models import Language
from skypark.core.archiving import archive_model


class Notification(models.Model):
    """One message on one channel, and the log of its delivery.

    The subject and body are rendered when the notification is requested and stored here,
    so the log shows exactly what the person received and a resend sends the same text.
    In-app notifications are the customer's inbox: ``read_at`` is set when they read it.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")
        IN_APP = "in_app", _("in-app")

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("notification status", "queued")
        SENDING = "sending", pgettext_lazy("notification status", "sending")
        SENT = "sent", pgettext_lazy("notification status", "sent")
        FAILED = "failed", pgettext_lazy("notification status", "failed")
        # The receiving mail server refused it after it was sent (a bounce report).
        BOUNCED = "bounced", pgettext_lazy("notification status", "bounced")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
        help_text=_("Empty for messages sent to a bare address."),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=64, help_text=_("e.g. order.paid, account.welcome"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    to_address = models.CharField(_("to"), max_length=254, blank=True, help_text=_("E-mail address or phone number."))
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("E-mail attachments: a list of {filename, mimetype, content_b64}."),
    )
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("related object type"),
    )
    object_id = models.CharField(_("related object id"), max_length=64, blank=True)
    related = GenericForeignKey("content_type", "object_id")

    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedupe_key = models.CharField(
        _("dedupe key"),
        max_length=200,
        null=True,
        blank=True,
        help_text=_("The same key and channel are only ever sent once."),
    )
    resent_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resends",
        verbose_name=_("resent from"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        permissions = [("resend_notification", _("Can resend notifications"))]
        constraints = [
            # One row per channel for a caller's key: a job that runs twice asks for the
            # same key again and gets the existing rows.
            models.UniqueConstraint(
                fields=["dedupe_key", "channel"],
                condition=models.Q(dedupe_key__isnull=False),
                name="notify_notification_dedupe_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["email", "sms", "in_app"]),
                name="notify_notification_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sending", "sent", "failed", "bounced"]),
                name="notify_notification_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(channel="in_app") | models.Q(recipient__isnull=False),
                name="notify_notification_in_app_has_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notify_inbox_idx"),
            models.Index(fields=["status", "created_at"], name="notify_status_idx"),
            models.Index(fields=["created_at"], name="notify_created_idx"),
            models.Index(fields=["content_type", "object_id"], name="notify_related_idx"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.to_address or self.recipient_id} ({self.get_channel_display()})"

    @property
    def is_read(self):
        return self.read_at is not None


NotificationArchive = archive_model(
    Notification,
    name="NotificationArchive",
    verbose_name=_("archived notification"),
    verbose_name_plural=_("notification archive"),
    label_fields=("kind", "to_address"),
    indexes=[
        models.Index(fields=["created_at"], name="notify_archive_created_idx"),
        models.Index(fields=["recipient_id", "created_at"], name="notify_archive_recipient_idx"),
    ],
)
