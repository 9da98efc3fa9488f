"""Set-based seeding: ``INSERT … SELECT … FROM generate_series`` built from a model's
fields, so a million rows take seconds and a column another engineer adds later (with a
default or NULL allowed) does not break the benchmark.

Runs inside Django (``bench.djstep``); the harness process never imports it.
"""

from django.db import connection


def insert_series(model, count: int, exprs: dict, *, start: int = 1) -> int:
    """Inserts ``count`` rows into ``model``'s table, one per ``i`` in
    ``generate_series(start, start + count - 1)``.

    ``exprs`` maps field names to SQL expressions over ``i``. Every other concrete field
    takes its Python default (evaluated once; "" for text), or NULL; a unique field or one with neither
    has to be given, and its absence is an error rather than a silent clash.
    """
    columns, values, params = [], [], []
    given = dict(exprs)
    for field in model._meta.concrete_fields:
        if field.primary_key and field.name not in given:
            continue
        if field.name in given:
            columns.append(field.column)
            # Expressions are plain SQL (``i % 10``), never placeholders.
            values.append("(" + given.pop(field.name).replace("%", "%%") + ")")
        elif not field.unique and (field.has_default() or (field.empty_strings_allowed and not field.null)):
            # Django's own default for a text field without one is "", as in a form.
            columns.append(field.column)
            values.append(f"%s::{field.db_type(connection)}")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        elif field.null:
            columns.append(field.column)
            values.append(f"NULL::{field.db_type(connection)}")
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs an expression")
    if given:
        raise ValueError(f"unknown fields for {model.__name__}: {', '.join(given)}")
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = (
        f"INSERT INTO {table} ({cols}) SELECT {', '.join(values)} FROM generate_series(%s::bigint, %s::bigint) AS s(i)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, start, start + count - 1])
        return cursor.rowcount


def analyze(*models) -> None:
    """Fresh planner statistics: the bench measures plans on real row counts, not guesses."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
