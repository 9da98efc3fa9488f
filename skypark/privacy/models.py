from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ErasureStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("erasure request status", "queued")
    AWAITING_APPROVAL = "awaiting_approval", pgettext_lazy("erasure request status", "awaiting staff approval")
    COMPLETED = "completed", pgettext_lazy("erasure request status", "completed")
    REJECTED = "rejected", pgettext_lazy("erasure request status", "rejected")


OPEN_STATUSES = (ErasureStatus.QUEUED, ErasureStatus.AWAITING_APPROVAL)


class ErasureRequest(models.Model):
    """A customer's request to erase their personal data. It is queued at once when
    nothing blocks it; otherwise it waits for staff, with the reasons in ``blockers``."""

    Status = ErasureStatus

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="erasure_requests"
    )
    status = models.CharField(_("status"), max_length=20, choices=ErasureStatus.choices)
    blockers = models.JSONField(_("why it waits"), default=list, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)
    completed_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-created_at", "-pk"]
        permissions = [("export_personal_data", _("Can download a customer's personal data"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["queued", "awaiting_approval"]),
                name="privacy_one_open_erasure_per_user",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="privacy_erasure_status_idx")]

    def __str__(self):
        return f"#{self.pk} · {self.get_status_display()}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES
