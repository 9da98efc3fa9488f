"""Writing a chunk's rows without model instances.

On PostgreSQL each table gets one ``INSERT … SELECT … FROM unnest(<one array per
column>)``, and each array is sent as one text parameter, its literal (``{1,2,NULL}``)
built here with a single join: handing psycopg a list would make it adapt every element
in Python, which cost more than the insert itself. Other databases (SQLite in
development) get the same values through ``bulk_create``.
"""

import json

from django.db import connection
from django.db.models import JSONField
from django.db.models.expressions import RawSQL


def set_based() -> bool:
    """Whether rows go in as raw ``unnest`` inserts (PostgreSQL) or through ``bulk_create``."""
    return connection.vendor == "postgresql"


def insert(model, columns: dict, *, now, same=None, returning=(), skip_conflicts=False) -> list[tuple]:
    """Inserts one ``model`` row per position of the lists in ``columns`` (field attname
    → one value per row); ``same`` gives one value for every row, every other field gets
    its default (``auto_now`` ones ``now``). Returns the ``returning`` fields of each row
    inserted.

    ``skip_conflicts`` (True, or the fields of a unique constraint) adds ``ON CONFLICT …
    DO NOTHING`` on PostgreSQL, where the rows skipped are not returned; through
    ``bulk_create`` it ignores conflicts only when nothing is to be returned, and a
    conflict raises ``IntegrityError`` otherwise."""
    fields = {field.attname: field for field in model._meta.concrete_fields if not field.primary_key}
    same = dict(same or {})
    for attname, field in fields.items():
        if attname not in columns and attname not in same:
            auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            same[attname] = now if auto else field.get_default()
    if not set_based():
        names = list(columns)
        objects = [
            model(**dict(zip(names, values, strict=True)), **same) for values in zip(*columns.values(), strict=True)
        ]
        model.objects.bulk_create(objects, ignore_conflicts=bool(skip_conflicts) and not returning)
        return [tuple(getattr(obj, name) for name in returning) for obj in objects]
    quote = connection.ops.quote_name
    select, params = [], []
    for attname, value in same.items():
        select.append(f"%s::{_cast_type(fields[attname])}")
        params.append(fields[attname].get_db_prep_save(value, connection))
    arrays = []
    for attname, values in columns.items():
        arrays.append(f"%s::{_cast_type(fields[attname])}[]")
        params.append(array_literal(fields[attname], values))
    aliases = [f"c{i}" for i in range(len(columns))]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)}"
        f" ({', '.join(quote(fields[attname].column) for attname in [*columns, *same])})"
        f" SELECT {', '.join([f'u.{alias}' for alias in aliases] + select)}"
        f" FROM unnest({', '.join(arrays)}) AS u({', '.join(aliases)})"
    )
    if skip_conflicts:
        target = "" if skip_conflicts is True else f" ({', '.join(quote(fields[a].column) for a in skip_conflicts)})"
        sql += f" ON CONFLICT{target} DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(quote(model._meta.get_field(name).column) for name in returning)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def one_of(field, values):
    """The right-hand side of ``<field>__in`` for a chunk's worth of values: on
    PostgreSQL one array parameter (``IN (SELECT unnest(%s))``), elsewhere the list."""
    values = list(values)
    if not set_based():
        return values
    return RawSQL(f"SELECT unnest(%s::{_cast_type(field)}[])", [array_literal(field, values)])


def integer_array(values) -> str:
    return "{" + ",".join("NULL" if value is None else str(int(value)) for value in values) + "}"


_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "DecimalField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallAutoField",
    "SmallIntegerField",
}


def array_literal(field, values) -> str:
    """The PostgreSQL array literal of one column's values: numbers as they are, dates
    in ISO 8601, anything else (text, JSON) double-quoted with ``\\`` and ``"``
    escaped."""
    kind = (field.target_field if field.is_relation else field).get_internal_type()
    if isinstance(field, JSONField):
        values = [None if value is None else json.dumps(value, cls=field.encoder) for value in values]
    if kind in _PLAIN_TYPES:
        items = ["NULL" if value is None else str(value) for value in values]
    elif kind in ("DateTimeField", "DateField"):
        text = {value: "NULL" if value is None else value.isoformat() for value in set(values)}
        items = [text[value] for value in values]
    else:
        items = [
            "NULL" if value is None else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        ]
    return "{" + ",".join(items) + "}"


def _cast_type(field) -> str:
    """The column's type for a cast; character types without their length, so an
    over-long value is refused by the insert instead of cut short by the cast."""
    db_type = field.db_type(connection)
    return "text" if db_type.startswith(("varchar", "char")) else db_type
