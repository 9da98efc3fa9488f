"""Archive tables for history that grows without bound (audit entries, scan logs,
notifications, domain events).

An archive model has the source's columns (foreign keys become plain ids, so an archived
row never blocks a delete elsewhere) and the same primary key. ``archive_move`` moves rows
older than a cut-off in batches: copies a batch, deletes the same rows from the source, in
one transaction per batch, so a row is always in exactly one of the two tables and a crash
leaves no row in neither. The live tables stay small (their indexes, admin lists and
sweeps stay fast); the archive is read in the admin by staff.

Each app declares what it archives in ``archive.py`` (``ARCHIVES``: a list of
:class:`Policy`); ``skypark.ops`` runs them nightly.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def archive_model(source, *, name: str, verbose_name, verbose_name_plural, indexes=(), label_fields=()):
    """A model class for ``source``'s archive, defined in the calling models module. A row
    reads as its id, its time and ``label_fields`` (language-neutral values)."""

    def __str__(self):
        created = getattr(self, "created_at", None)
        parts = [f"#{self.pk}", f"{timezone.localtime(created):%Y-%m-%d %H:%M}" if created else ""]
        parts += [str(getattr(self, name) or "") for name in label_fields]
        return " ".join(part for part in parts if part)

    attrs = {"__module__": source.__module__, "__str__": __str__}
    for column in source._meta.concrete_fields:
        if column.primary_key:
            key = models.UUIDField if isinstance(column, models.UUIDField) else models.BigIntegerField
            attrs[column.attname] = key(_("ID"), primary_key=True)
        elif column.is_relation:
            attrs[column.attname] = models.BigIntegerField(column.verbose_name, null=True, blank=True)
        else:
            clone = column.clone()
            # Indexes and uniqueness are the archive's own (declared by the caller).
            clone.db_index = False
            clone._unique = False
            if isinstance(clone, models.DateTimeField):
                clone.auto_now = clone.auto_now_add = False
            attrs[column.attname] = clone
    attrs["archived_at"] = models.DateTimeField(_("archived at"), default=timezone.now)
    attrs["Meta"] = type(
        "Meta",
        (),
        {
            "verbose_name": verbose_name,
            "verbose_name_plural": verbose_name_plural,
            "ordering": ["-id"],
            "default_permissions": ("view",),
            "indexes": list(indexes),
        },
    )
    return type(name, (models.Model,), attrs)


@dataclass
class Policy:
    source: type
    archive: type
    date_field: str
    setting: str  # key of settings.ARCHIVE_AFTER_DAYS
    only: dict = field(default_factory=dict)  # extra filter: rows that may move
    keep: callable = None  # (queryset) -> queryset of rows that must stay

    def cutoff(self, now=None):
        days = settings.ARCHIVE_AFTER_DAYS[self.setting]
        return (now or timezone.now()) - timedelta(days=days)

    def candidates(self, now=None):
        rows = self.source._default_manager.filter(**{f"{self.date_field}__lt": self.cutoff(now)}, **self.only)
        return self.keep(rows) if self.keep else rows


def archive_move(policy: Policy, *, now=None, batch: int = 2000, limit: int | None = None) -> int:
    """Moves the policy's rows older than its age to its archive; returns how many."""
    columns = [(f.attname, f.attname) for f in policy.source._meta.concrete_fields]
    moved = 0
    stamp = timezone.now()
    while limit is None or moved < limit:
        size = batch if limit is None else min(batch, limit - moved)
        with transaction.atomic():
            ids = list(policy.candidates(now).order_by("pk").values_list("pk", flat=True)[:size])
            if not ids:
                break
            rows = policy.source._default_manager.filter(pk__in=ids).select_for_update().order_by("pk")
            copies = [
                policy.archive(**{target: getattr(row, attname) for attname, target in columns}, archived_at=stamp)
                for row in rows
            ]
            policy.archive._default_manager.bulk_create(copies)
            # A plain DELETE: the rows are copied, and models that refuse delete() (the
            # audit log) allow this one at the database (see audit's trigger).
            policy.source._default_manager.filter(pk__in=ids)._raw_delete(policy.source._default_manager.db)
        moved += len(ids)
    return moved


def policies():
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.archive")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.archive":
                raise
            continue
        yield from module.ARCHIVES


def archive_all(*, now=None, batch: int = 2000) -> dict:
    """Runs every app's archiving policy; ``{archive model label: rows moved}``."""
    return {policy.archive._meta.label: archive_move(policy, now=now, batch=batch) for policy in policies()}
