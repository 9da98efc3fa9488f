"""A partner's CRM connector (``Connector``: where its export is, how to read it, how
often) and each time it ran (``ConnectorRun``). The rows a run fetched go through the
loyalty import: transactions as an ``ImportBatch`` (idempotent by external id, with its
per-row report), customers matched or enrolled by phone with the run's own report."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from loyalty.models import ImportBatch
from skypark.accounts.models import Merchant
from skypark.core.models import TimeStampedModel

# What a feed's rows may carry (the import's row fields); a mapping names, for each, the
# key of the source record that holds it (a dotted path into JSON records).
TRANSACTION_FIELDS = ("external_id", "customer_code", "phone", "amount", "occurred_at", "lines")
CUSTOMER_FIELDS = ("external_id", "phone", "name", "email")
MIN_INTERVAL_MINUTES = 15
MAX_INTERVAL_MINUTES = 60 * 24 * 31


class Connector(TimeStampedModel):
    class Feed(models.TextChoices):
        TRANSACTIONS = "transactions", pgettext_lazy("connector feed", "transactions")
        CUSTOMERS = "customers", pgettext_lazy("connector feed", "customers")

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV"

    class Auth(models.TextChoices):
        NONE = "none", pgettext_lazy("connector auth", "none")
        BEARER = "bearer", pgettext_lazy("connector auth", "bearer token")
        BASIC = "basic", pgettext_lazy("connector auth", "user and password")
        HEADER = "header", pgettext_lazy("connector auth", "API key header")

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="crm_connectors"
    )
    name = models.CharField(_("name"), max_length=100)
    feed = models.CharField(_("feed"), max_length=12, choices=Feed.choices, default=Feed.TRANSACTIONS)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.JSON)
    endpoint = models.URLField(_("endpoint"), max_length=500)
    records_path = models.CharField(
        _("records path"),
        max_length=200,
        blank=True,
        help_text=_(
            'JSON only: the dotted path to the list of records, e.g. "data.items"; empty for a top-level list.'
        ),
    )
    auth = models.CharField(_("authentication"), max_length=6, choices=Auth.choices, default=Auth.NONE)
    auth_header = models.CharField(
        _("API key header"), max_length=64, blank=True, help_text=_("For an API key header, e.g. X-Api-Key.")
    )
    # A Fernet token (loyalty.connectors.crypto), never the secret itself.
    credentials = models.TextField(_("credentials (encrypted)"), blank=True, editable=False)
    field_mapping = models.JSONField(
        _("field mapping"),
        default=dict,
        blank=True,
        help_text=_(
            'Our field → the source\'s key, e.g. {"external_id": "id", "amount": "total"}; unmapped fields are read under their own name.'
        ),
    )
    interval_minutes = models.PositiveIntegerField(
        _("run every (minutes)"),
        default=60,
        validators=[MinValueValidator(MIN_INTERVAL_MINUTES), MaxValueValidator(MAX_INTERVAL_MINUTES)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    next_run_at = models.DateTimeField(_("next run at"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("CRM connector")
        verbose_name_plural = _("CRM connectors")
        ordering = ["merchant_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="connectors_name_per_merchant"),
            models.CheckConstraint(
                condition=models.Q(interval_minutes__gte=MIN_INTERVAL_MINUTES)
                & models.Q(interval_minutes__lte=MAX_INTERVAL_MINUTES),
                name="connectors_interval_range",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "next_run_at"], name="connectors_due_idx")]

    def __str__(self):
        return f"{self.merchant} · {self.name}"

    @property
    def allowed_fields(self):
        return TRANSACTION_FIELDS if self.feed == self.Feed.TRANSACTIONS else CUSTOMER_FIELDS

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)

    def clean(self):
        super().clean()
        errors = {}
        if self.endpoint:
            # The same check runs again at every fetch (DNS may change in between).
            from skypark.webhooks.transport import UnsafeUrl, url_check

            try:
                url_check(self.endpoint)
            except UnsafeUrl as exc:
                errors["endpoint"] = exc.message
        mapping = self.field_mapping
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v and len(v) <= 200 for k, v in mapping.items()
        ):
            errors["field_mapping"] = _("An object from our field names to the source's keys (text).")
        elif unknown := sorted(set(mapping) - set(self.allowed_fields)):
            errors["field_mapping"] = _("Unknown fields: %(fields)s. Allowed: %(allowed)s.") % {
                "fields": ", ".join(unknown),
                "allowed": ", ".join(self.allowed_fields),
            }
        if self.auth == self.Auth.HEADER and not self.auth_header:
            errors["auth_header"] = _("Name the header that carries the API key.")
        if self.format == self.Format.CSV and self.records_path:
            errors["records_path"] = _("A CSV source has no records path.")
        if errors:
            raise ValidationError(errors)


class ConnectorRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", pgettext_lazy("connector run status", "running")
        DONE = "done", pgettext_lazy("connector run status", "done")
        FAILED = "failed", pgettext_lazy("connector run status", "failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", pgettext_lazy("connector run trigger", "schedule")
        MANUAL = "manual", pgettext_lazy("connector run trigger", "run now")

    connector = models.ForeignKey(Connector, verbose_name=_("connector"), on_delete=models.CASCADE, related_name="runs")
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="crm_connector_runs"
    )
    trigger = models.CharField(_("trigger"), max_length=8, choices=Trigger.choices, default=Trigger.SCHEDULE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    fetched_bytes = models.PositiveIntegerField(_("bytes fetched"), default=0)
    fetched_rows = models.PositiveIntegerField(_("rows fetched"), default=0)
    # Why the run fetched nothing usable: a machine code and a message.
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Transactions feed: the import the rows went to (its counts and row errors).
    batch = models.OneToOneField(
        ImportBatch,
        verbose_name=_("import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="connector_run",
    )
    # Customers feed: the run's own row report.
    created_count = models.PositiveIntegerField(_("created"), default=0)
    duplicate_count = models.PositiveIntegerField(_("already there"), default=0)
    error_count = models.PositiveIntegerField(_("row errors"), default=0)
    row_errors = models.JSONField(_("row errors"), default=list, blank=True, encoder=DjangoJSONEncoder)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("CRM connector run")
        verbose_name_plural = _("CRM connector runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-started_at"], name="connectors_run_merchant_idx")]

    def __str__(self):
        return f"#{self.pk} {self.connector.name} ({self.get_status_display()})"

    def report(self) -> dict:
        """The row report: the import's for transactions, the run's own for customers."""
        if self.batch_id:
            batch = self.batch
            return {
                "import_status": batch.status,
                "total_rows": batch.total_rows,
                "processed_rows": batch.processed_rows,
                "created_count": batch.created_count,
                "duplicate_count": batch.duplicate_count,
                "error_count": batch.error_count,
                "errors": batch.errors,
            }
        return {
            "import_status": ImportBatch.Status.DONE if self.status == self.Status.DONE else self.status,
            "total_rows": self.fetched_rows,
            "processed_rows": self.fetched_rows if self.status == self.Status.DONE else 0,
            "created_count": self.created_count,
            "duplicate_count": self.duplicate_count,
            "error_count": self.error_count,
            "errors": self.row_errors,
        }
