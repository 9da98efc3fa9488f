"""Models of the offline gates. Imported by ``skypark.parks.models`` so that they belong
to the parks app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class GateSigningKey(models.Model):
    """An Ed25519 key that signs ticket codes. The current key (``accepted_until`` empty,
    newest first) signs new codes; after a rotation the old key is still accepted until
    ``accepted_until``, the last day any ticket it signed is valid. Public keys go to
    gates in the pack; the private key never leaves the server."""

    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    private_key = models.BinaryField(_("private key"), editable=False)
    public_key = models.CharField(_("public key"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    accepted_until = models.DateField(
        _("accepted until"), null=True, blank=True, help_text=_("Empty while the key signs new tickets.")
    )

    audit_hidden_fields = ("private_key",)

    class Meta:
        verbose_name = _("gate signing key")
        verbose_name_plural = _("gate signing keys")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(key_id=""), name="parks_signing_key_id_not_empty")]

    def __str__(self):
        return self.key_id

    @property
    def is_current(self) -> bool:
        return self.accepted_until is None


class GateDevice(models.Model):
    """A phone or tablet registered by staff to one park's gate. It authenticates with a
    token shown once at registration (only its SHA-256 is kept). Revoking it refuses
    its uploads and pack downloads from then on; the gate page wipes its pack when told."""

    park = models.ForeignKey("parks.Park", verbose_name=_("park"), on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("token prefix"), max_length=8, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("gate device")
        verbose_name_plural = _("gate devices")
        ordering = ["park", "name", "id"]

    def __str__(self):
        return f"{self.name} ({self.park})"

    @property
    def node_id(self) -> str:
        """The name of this device in clocks and counters."""
        return f"d{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
