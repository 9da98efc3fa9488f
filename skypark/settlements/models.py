"""A provider's daily settlement report and its lines, matched against our payments.

A line is ``matched`` (reference, gross, fee and net all agree), ``mismatched`` (the
reference is ours but an amount or the payment's state disagrees; ``problem`` says
which), or ``unmatched`` (no payment of ours has that reference). A payment we hold as
paid by that provider on the report's day that the report does not list becomes a line
of its own with status ``missing``. Staff close a line as ``resolved`` or ``ignored``
with a note.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.commerce.models import Payment


class SettlementReport(models.Model):
    provider = models.CharField(_("provider"), max_length=32)
    report_date = models.DateField(_("report date"))
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    sha256 = models.CharField(_("file checksum"), max_length=64)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("settlement report")
        verbose_name_plural = _("settlement reports")
        ordering = ["-report_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "sha256"], name="settlements_report_file_once")]

    def __str__(self):
        return f"{self.provider} {self.report_date:%d.%m.%Y}"


class SettlementLine(models.Model):
    class Status(models.TextChoices):
        MATCHED = "matched", pgettext_lazy("settlement line", "matched")
        MISMATCHED = "mismatched", pgettext_lazy("settlement line", "mismatched")
        UNMATCHED = "unmatched", pgettext_lazy("settlement line", "unmatched")
        MISSING = "missing", pgettext_lazy("settlement line", "missing from the report")
        RESOLVED = "resolved", pgettext_lazy("settlement line", "resolved")
        IGNORED = "ignored", pgettext_lazy("settlement line", "ignored")

    OPEN = (Status.MISMATCHED, Status.UNMATCHED, Status.MISSING)

    report = models.ForeignKey(
        SettlementReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="lines"
    )
    line_number = models.PositiveIntegerField(_("line"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    gross = models.DecimalField(_("gross"), max_digits=12, decimal_places=2, null=True, blank=True)
    fee = models.DecimalField(_("fee"), max_digits=12, decimal_places=2, null=True, blank=True)
    net = models.DecimalField(_("net"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settlement_lines",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    problem = models.CharField(_("problem"), max_length=255, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        ordering = ["report", "line_number", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["matched", "mismatched", "unmatched", "missing", "resolved", "ignored"]),
                name="settlements_line_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="missing") | Q(payment__isnull=False), name="settlements_missing_names_payment"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="settlements_line_status_idx")]

    def __str__(self):
        return f"{self.report} #{self.line_number or '—'} {self.reference}"
