from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Currency(models.TextChoices):
    KGS = "KGS", _("Kyrgyz som")
    GBP = "GBP", _("Pound sterling")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")


class StaffJob(models.Model):
    """Long staff work (bulk refunds, imports, exports, re-sends) run by Celery, with its
    progress and result visible in the admin. Handlers are registered by kind in
    ``skypark.core.jobs``."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("staff job status", "queued")
        RUNNING = "running", pgettext_lazy("staff job status", "running")
        SUCCEEDED = "succeeded", pgettext_lazy("staff job status", "succeeded")
        FAILED = "failed", pgettext_lazy("staff job status", "failed")

    kind = models.CharField(_("kind"), max_length=100, db_index=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")) | models.Q(total=0), name="core_staffjob_done_lte_total"
            )
        ]

    def __str__(self):
        return self.description or self.kind

    @property
    def percent(self):
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class OutboxMessage(models.Model):
    """What must follow a committed business event (an order paid): written in the
    transaction of the change, carried out once by ``skypark.core.outbox`` after it.

    ``payload`` holds ``refs`` (what the event concerns, e.g. ``{"order": 12}``) and
    ``effects``: ``[effect name, arguments]`` pairs whose handlers the apps register.
    A row with ``processed_at`` set is done; its effects were committed together with it.
    """

    kind = models.CharField(_("kind"), max_length=100)
    payload = models.JSONField(_("payload"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep reads only what is left to do.
            models.Index(
                fields=["created_at"], name="core_outbox_pending_idx", condition=models.Q(processed_at__isnull=True)
            ),
            models.Index(fields=["kind", "created_at"], name="core_outbox_kind_idx"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def is_processed(self) -> bool:
        return self.processed_at is not None
