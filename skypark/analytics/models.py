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


class WebEvent(models.Model):
    """A page view or a step of a purchase, recorded by the server as it answers (no
    script, no cookie). Who: the customer when logged in, and a visitor key — a keyed hash
    of the day, the truncated address and the browser, so one visitor's steps of one day
    can be counted together and nobody can be followed from day to day. The address is
    kept truncated (IPv4 to /24, IPv6 to /48) and the browser only as its family and the
    kind of device. Rows are synced to the analytical store (``web_events``) and removed
    from the database ``ANALYTICS_WEB_EVENTS_KEEP_DAYS`` after."""

    class Kind(models.TextChoices):
        PAGE_VIEW = "page_view", _("page view")
        PURCHASE_QUOTED = "purchase_quoted", _("price asked")
        PURCHASE_PLACED = "purchase_placed", _("order placed")

    kind = models.CharField(_("kind"), max_length=50, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    visitor = models.CharField(_("visitor key"), max_length=16)
    route = models.CharField(_("page"), max_length=100, blank=True)
    path = models.CharField(_("address"), max_length=300)
    referrer = models.CharField(_("came from"), max_length=200, blank=True)
    product = models.CharField(_("product"), max_length=20, blank=True)
    object_id = models.CharField(_("object"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    device_type = models.CharField(_("device"), max_length=10, blank=True)
    browser = models.CharField(_("browser"), max_length=20, blank=True)
    ip_prefix = models.CharField(_("network"), max_length=45, blank=True)
    created_at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("web event")
        verbose_name_plural = _("web events")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.path}"
