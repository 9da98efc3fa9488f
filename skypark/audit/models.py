from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from skypark.core.archiving import archive_model


class AuditEntry(models.Model):
    """One thing that happened: who did what to which object, with before/after data.

    Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger
    refuses them too, so not even raw SQL from the application rewrites history.
    The actor is kept as an id and a label (no foreign key), so deleting a user keeps
    the record of what they did.
    """

    class Source(models.TextChoices):
        SERVICE = "service", _("service")
        ADMIN = "admin", _("admin")
        API = "api", _("API")
        TASK = "task", _("background job")
        SYSTEM = "system", _("system")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("who"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.SERVICE)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_object_idx")]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or '-'} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")

    @property
    def changes(self):
        """``{field: (before, after)}`` for the fields that differ."""
        before, after = self.before or {}, self.after or {}
        return {
            key: (before.get(key), after.get(key))
            for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)
        }

    @property
    def actor(self):
        if self.actor_id is None:
            return None
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=self.actor_id).first()


AuditEntryArchive = archive_model(
    AuditEntry,
    name="AuditEntryArchive",
    verbose_name=_("archived audit entry"),
    verbose_name_plural=_("audit log archive"),
    label_fields=("action", "object_repr"),
    indexes=[
        models.Index(fields=["created_at"], name="audit_archive_created_idx"),
        models.Index(fields=["object_id"], name="audit_archive_object_idx"),
    ],
)
