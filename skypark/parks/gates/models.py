"""Models of the offline gates. Imported by ``skypark.parks.models`` so that they belong
to the parks app."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
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


class GatePackWindow(models.Model):
    """A stretch of time in which a device held an unexpired pack: opened by a pack
    download when the device had none valid, stretched by every download before it
    expires. A scan the device made outside every window (a lost device's pack had
    expired) is stored refused by the merge, reason ``pack_expired``."""

    device = models.ForeignKey(
        GateDevice, verbose_name=_("device"), on_delete=models.CASCADE, related_name="pack_windows"
    )
    opened_at = models.DateTimeField(_("first pack downloaded at"))
    expires_at = models.DateTimeField(_("last pack expires at"))

    class Meta:
        verbose_name = _("gate pack window")
        verbose_name_plural = _("gate pack windows")
        ordering = ["device", "-opened_at", "-id"]
        indexes = [models.Index(fields=["device", "expires_at"], name="parks_pack_window_device_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("opened_at")), name="parks_pack_window_order")
        ]

    def __str__(self):
        return f"{self.device_id}: {self.opened_at:%Y-%m-%d %H:%M} – {self.expires_at:%Y-%m-%d %H:%M}"


class GateScanKind(models.TextChoices):
    ENTRY = "entry", _("entry")
    EXIT = "exit", _("exit")


class GateScanRole(models.TextChoices):
    """What the merge made of a scan (recomputed whenever a ticket's scans change)."""

    PENDING = "", _("not merged yet")
    ADMISSION = "admission", _("admission")
    REENTRY = "reentry", _("re-entry")
    DOUBLE_ENTRY = "double_entry", _("double entry")
    REFUSAL = "refusal", _("refused at the gate")
    EXIT = "exit", _("exit")
    EXIT_UNMATCHED = "exit_unmatched", _("exit without an entry")


class GateBatch(models.Model):
    """One upload from a device; its id makes a repeated upload a no-op."""

    batch_id = models.UUIDField(_("batch"), unique=True)
    device = models.ForeignKey(GateDevice, verbose_name=_("device"), on_delete=models.PROTECT, related_name="batches")
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    events = models.PositiveIntegerField(_("events"))
    new_events = models.PositiveIntegerField(_("new events"))

    class Meta:
        verbose_name = _("gate upload")
        verbose_name_plural = _("gate uploads")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return str(self.batch_id)


class GateScan(models.Model):
    """One scan at a gate, as its device recorded it (online scans too, by the node
    ``server``). Ordered by the hybrid logical clock ``(clock_ms, clock_counter)``, then
    the node, then the event id: the order every merge agrees on."""

    Kind = GateScanKind
    Role = GateScanRole

    event_id = models.UUIDField(_("event id"), unique=True)
    park = models.ForeignKey("parks.Park", verbose_name=_("park"), on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(
        GateDevice, verbose_name=_("device"), on_delete=models.PROTECT, null=True, blank=True, related_name="scans"
    )
    node = models.CharField(_("node"), max_length=20)
    clock_ms = models.BigIntegerField(_("clock"))
    clock_counter = models.PositiveIntegerField(_("clock counter"), default=0)
    scanned_at = models.DateTimeField(_("scanned at"))
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=10, choices=GateScanKind.choices)
    ticket = models.ForeignKey(
        "parks.Ticket", verbose_name=_("ticket"), on_delete=models.PROTECT, null=True, blank=True, related_name="scans"
    )
    method = models.CharField(_("entry method"), max_length=10, default="qr")
    admitted = models.BooleanField(_("let through at the gate"))
    reason = models.CharField(_("refusal reason"), max_length=30, blank=True)
    visitors = models.PositiveIntegerField(_("visitors"), default=0)
    gate = models.CharField(_("gate"), max_length=50, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    guardian = models.CharField(_("accompanying adult"), max_length=100, blank=True)
    batch = models.ForeignKey(GateBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="scans")
    role = models.CharField(_("merged as"), max_length=20, choices=GateScanRole.choices, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("gate scan")
        verbose_name_plural = _("gate scans")
        ordering = ["clock_ms", "clock_counter", "node", "event_id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["entry", "exit"]), name="parks_scan_kind_valid"),
            models.CheckConstraint(condition=Q(clock_ms__gte=0), name="parks_scan_clock_gte_0"),
        ]
        indexes = [
            models.Index(fields=["ticket", "clock_ms"], name="parks_scan_ticket_idx"),
            models.Index(fields=["park", "day", "node"], name="parks_scan_park_day_idx"),
        ]

    def __str__(self):
        return f"{self.node} {self.kind} {self.scanned_at:%Y-%m-%d %H:%M:%S}"

    @property
    def sort_key(self):
        return (self.clock_ms, self.clock_counter, self.node, str(self.event_id))


class DoubleEntry(models.Model):
    """A group let in while its ticket was already inside, or with no visit left: both
    scans (gates, times, staff) are kept. Found by the merge, never dropped: if a late
    upload changes which scan came first, the pair is rewritten, not removed."""

    class Kind(models.TextChoices):
        INSIDE = "inside", _("already inside")
        NO_VISITS = "no_visits", _("no visits left")
        NOT_VALID = "not_valid", _("ticket not valid")

    ticket = models.ForeignKey(
        "parks.Ticket", verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="double_entries"
    )
    park = models.ForeignKey("parks.Park", verbose_name=_("park"), on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    scan = models.OneToOneField(
        GateScan, verbose_name=_("second entry"), on_delete=models.PROTECT, related_name="double_entry"
    )
    first_scan = models.ForeignKey(
        GateScan, verbose_name=_("first entry"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        verbose_name = _("double entry")
        verbose_name_plural = _("double entries")
        ordering = ["-day", "-found_at", "-id"]
        indexes = [models.Index(fields=["park", "day"], name="parks_double_park_day_idx")]

    def __str__(self):
        return f"{self.ticket_id} · {self.day}"
