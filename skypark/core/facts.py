"""The facts each domain gives the analytical store (``skypark.analytics``).

Each installed app may have a ``facts`` module that declares its sources with
``@fact_source(name=..., table=...)``, as each may have a ``demo`` module for
``seed_demo``. A source is a function ``(after, limit) -> rows``: the rows changed after
the watermark ``after`` (``(changed_at, pk)`` or ``None`` for the beginning), oldest first,
at most ``limit``. Each row is a dict with the analytics table's columns (without
``version`` and ``is_deleted``), plus ``_changed_at`` (an aware datetime, the row's
version) and ``_pk`` (the tie-breaker of the watermark); ``_deleted`` marks a row that
no longer counts (an order that was never paid).

So the domain owns the mapping from its models to facts, and analytics never imports a
domain's models. Every money fact carries its ``currency``.

A large source may also declare ``bulk``: ``(after) -> BulkRows`` — the same rows as one
queryset (cut by ``changed_after``) and an ORM expression per column, which the sync turns
into one ``COPY`` on PostgreSQL instead of a Python dict per row. Its rows must be exactly
those of ``changes`` (a test per source compares the two).
"""

from dataclasses import dataclass
from importlib import import_module

from django.apps import apps


@dataclass(frozen=True)
class BulkRows:
    queryset: object  # the source's rows, ordered as changed_after orders them
    columns: dict  # analytics column -> ORM expression (without version and is_deleted)
    changed: object  # expression of the row's version time (the watermark's first part)
    deleted: object  # expression true for a row that no longer counts


@dataclass(frozen=True)
class FactSource:
    name: str
    table: str
    changes: object  # (after, limit) -> list[dict]
    bulk: object = None  # (after) -> BulkRows, optional


_sources = {}
_discovered = False


def fact_source(*, name, table, bulk=None):
    def add(function):
        _sources[name] = FactSource(name=name, table=table, changes=function, bulk=bulk)
        return function

    return add


_place_names = {}


def place_namer(kind):
    """Declares the function ``() -> {id: name}`` that names the places (``place_id``) of
    one kind of activity fact, e.g. the parks, for reports."""

    def add(function):
        _place_names[kind] = function
        return function

    return add


def place_names(kind) -> dict:
    fact_sources()
    namer = _place_names.get(kind)
    return namer() if namer else {}


def fact_sources() -> dict:
    """Every declared source by name, after importing each app's ``facts`` module."""
    global _discovered
    if not _discovered:
        for config in apps.get_app_configs():
            try:
                import_module(f"{config.name}.facts")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.facts":
                    raise
        _discovered = True
    return dict(_sources)


def changed_after(queryset, after, *, field="updated_at"):
    """``queryset`` cut to rows changed after the watermark ``(changed_at, pk)``, oldest
    first; the helper every source uses so that the order and the tie-break agree."""
    from django.db.models import Q

    if after is not None:
        at, pk = after
        # The ``>=`` bound lets an index on (field, pk) start at the watermark instead of
        # reading every row before it; the ``OR`` then settles the tie at ``at``.
        queryset = queryset.filter(**{f"{field}__gte": at}).filter(
            Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk})
        )
    return queryset.order_by(field, "pk")
