from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncState(models.Model):
    """Where one fact source's sync stands: the watermark ``(watermark_at, watermark_pk)``
    of the last row written to the store, and when the store last caught up with the
    database (the lag is measured from then)."""

    source = models.CharField(_("source"), max_length=100, unique=True)
    watermark_at = models.DateTimeField(_("synced up to"), null=True, blank=True)
    watermark_pk = models.BigIntegerField(_("last row"), default=0)
    caught_up_at = models.DateTimeField(_("caught up at"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    rows_synced = models.BigIntegerField(_("rows synced"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("analytics sync")
        verbose_name_plural = _("analytics syncs")
        ordering = ["source"]

    def __str__(self):
        return self.source


class SegmentCampaign(models.Model):
    """A message to the customers of one RFM segment (of the network or of a merchant) as
    the snapshot of ``snapshot_date`` had them; the recipients are fixed when the segment
    is exported, so sending later (or twice) reaches the same people once."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SENT = "sent", _("sent")

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")
        IN_APP = "in_app", _("in-app")

    name = models.CharField(_("name"), max_length=200)
    merchant = models.ForeignKey(
        "accounts.Merchant",
        verbose_name=_("merchant"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: the whole network's segment."),
    )
    segment = models.CharField(_("segment"), max_length=20)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    snapshot_date = models.DateField(_("snapshot"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    recipient_ids = models.JSONField(_("recipients"), default=list, editable=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("segment campaign")
        verbose_name_plural = _("segment campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    @property
    def recipients(self):
        return len(self.recipient_ids)
