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
