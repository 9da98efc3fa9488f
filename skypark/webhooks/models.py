"""Where partners receive events (``WebhookEndpoint``) and each event sent to one
(``WebhookDelivery``). Domains never write these directly: they call
``skypark.webhooks.services.webhook_emit``."""

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.accounts.models import Merchant
from skypark.core.models import TimeStampedModel


class WebhookEndpoint(TimeStampedModel):
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"))
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_('Event names this endpoint receives, e.g. ["points.awarded"]; empty means every event.'),
    )
    is_active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(_("signing secret"), max_length=128, blank=True, editable=False)
    # After a rotation the previous secret still signs (a second v1) until this moment,
    # so a partner can switch secrets without missing a delivery.
    secret_previous = models.CharField(_("previous signing secret"), max_length=128, blank=True, editable=False)
    secret_previous_until = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["merchant_id", "id"]

    def __str__(self):
        return f"{self.merchant} → {self.url}"

    def clean(self):
        super().clean()
        errors = {}
        if self.url:
            # The same check runs again at every send (DNS may change in between).
            from .transport import UnsafeUrl, url_check

            try:
                url_check(self.url)
            except UnsafeUrl as exc:
                errors["url"] = exc.message
        if not isinstance(self.events, list) or not all(isinstance(e, str) and e for e in self.events):
            errors["events"] = _("A list of event names, or an empty list for every event.")
        if errors:
            raise ValidationError(errors)

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery status", "pending")
        DELIVERED = "delivered", pgettext_lazy("webhook delivery status", "delivered")
        FAILED = "failed", pgettext_lazy("webhook delivery status", "failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    event = models.CharField(_("event"), max_length=60)
    # One event reaches each endpoint once: emitting the same event id again records nothing.
    event_id = models.CharField(_("event id"), max_length=150)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhooks_delivery_event_once")]
        indexes = [
            models.Index(fields=["merchant", "-created_at"], name="webhooks_delivery_merchant_idx"),
            models.Index(fields=["status", "created_at"], name="webhooks_delivery_status_idx"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint.url}"
