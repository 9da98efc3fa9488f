"""Which app holds which personal data, and how to export and erase it.

The core knows no domain model: every installed app may have a ``privacy`` module that
calls ``register`` with a ``Section`` (an exporter, an eraser and, optionally, the reasons
that block an erasure right now) and ``not_personal`` for the user references that are not
about the customer (e.g. "created by" a member of staff). ``autodiscover`` imports those
modules once, when the apps are ready, as ``seed_demo`` finds each app's ``demo``.

``Section.covers`` names the ``app_label.Model.field`` references to the user model that the
section exports and erases; ``uncovered_user_references`` lists every reference that no
section covers and nobody declared not personal, so a new model with a customer foreign key
fails the coverage test until someone decides what it is.
"""

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

_sections: dict[str, "Section"] = {}
_not_personal: dict[str, str] = {}


@dataclass
class Section:
    """``export(user)`` returns JSON-safe data; ``erase(user)`` anonymises the app's
    personal fields (it runs inside the erasure transaction and must be safe to run twice);
    ``blockers(user)`` returns the human reasons (translated strings) why erasing now would
    harm the customer or the books, e.g. a paid visit still to come."""

    key: str
    export: Callable
    erase: Callable | None = None
    blockers: Callable | None = None
    covers: tuple = field(default_factory=tuple)
    order: int = 100


def register(section: Section) -> Section:
    _sections[section.key] = section
    return section


def not_personal(*references: str, reason: str) -> None:
    """Declare ``app_label.Model.field`` references to the user model that hold no personal
    data of that user (the reason is for the reader of the code and the coverage test)."""
    for reference in references:
        _not_personal[reference] = reason


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def autodiscover() -> None:
    for config in apps.get_app_configs():
        try:
            import_module(f"{config.name}.privacy")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.privacy":
                raise


def user_references() -> list[str]:
    """Every ``app_label.Model.field`` that points at the user model (FK, one-to-one, M2M)."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if f.is_relation and f.concrete and f.related_model is user_model:
                found.append(f"{model._meta.label}.{f.name}")
    return sorted(found)


def uncovered_user_references() -> list[str]:
    covered = {ref for section in _sections.values() for ref in section.covers} | set(_not_personal)
    return [ref for ref in user_references() if ref not in covered]


def unknown_declarations() -> list[str]:
    """Declared references that no longer exist (a renamed field must be declared again)."""
    existing = set(user_references())
    declared = {ref for section in _sections.values() for ref in section.covers} | set(_not_personal)
    return sorted(declared - existing)


def json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def rows(queryset, *, exclude=()) -> list[dict]:
    """The concrete fields of every row as JSON-safe dicts (foreign keys as their ids;
    fields named in ``exclude`` and secrets such as hashes are left out)."""
    result = []
    for obj in queryset:
        data = {}
        for f in obj._meta.concrete_fields:
            if f.name in exclude or f.name.endswith("_hash") or f.name == "password":
                continue
            data[f.attname] = json_value(getattr(obj, f.attname))
        result.append(data)
    return result
