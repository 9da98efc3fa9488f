"""Rows inserted together with the rows that hang off them, in one statement on
PostgreSQL: ``INSERT … RETURNING`` inside a data-modifying CTE, the dependent rows
selected from it. Each row's values are built as the ORM builds them
(``pre_save`` — which stamps ``auto_now_add`` fields on the instance — then
``get_db_prep_save``), so what lands in the table is what ``save()`` would have written."""

from django.db import connection


def insert_fields(model, *, without=()) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in without]


def row_params(obj, fields) -> list:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def placeholders(fields) -> str:
    """``%s`` for each field, for the ``VALUES`` of an ``INSERT`` (the columns type them)."""
    return ", ".join(["%s"] * len(fields))


def typed_placeholders(fields) -> str:
    """``%s::<type>`` for each field, so a NULL or a literal selected into another
    ``INSERT`` has its column's type. The type without its modifiers (``varchar``,
    ``numeric``): a cast to ``varchar(n)`` would cut a long value short instead of
    letting the column refuse it."""
    return ", ".join(f"%s::{f.db_type(connection).split('(')[0]}" for f in fields)


def columns(fields) -> str:
    return ", ".join(f'"{f.column}"' for f in fields)


def saved(obj, pk):
    """``obj`` as ``save()`` leaves it: its primary key set, no longer being added."""
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


def insert_with_children(parent, children, *, fk: str) -> None:
    """Inserts ``parent`` and ``children`` (instances of one model whose foreign key
    ``fk`` names the parent) in one statement on PostgreSQL: the children's ``INSERT``
    selects the parent's id from the parent's ``INSERT … RETURNING``. Sets every primary
    key, as ``save()`` and ``bulk_create()`` would; a constraint either refuses raises
    the same ``IntegrityError``."""
    model = type(parent)
    fields = insert_fields(model)
    params = row_params(parent, fields)
    sql = (
        f'WITH p AS (INSERT INTO "{model._meta.db_table}" ({columns(fields)})'
        f' VALUES ({placeholders(fields)}) RETURNING "{model._meta.pk.column}")'
    )
    if children:
        child_model = type(children[0])
        link = child_model._meta.get_field(fk)
        child_fields = insert_fields(child_model, without=(link.attname,))
        names = ", ".join(f"c{n}" for n in range(len(child_fields)))
        rows = ", ".join([f"({typed_placeholders(child_fields)})"] * len(children))
        sql += (
            f', c AS (INSERT INTO "{child_model._meta.db_table}" ("{link.column}", {columns(child_fields)})'
            f' SELECT p."{model._meta.pk.column}", {names} FROM p, (VALUES {rows}) AS v({names})'
            f' RETURNING "{child_model._meta.pk.column}" AS id)'
            " SELECT p.*, (SELECT array_agg(id ORDER BY id) FROM c) FROM p"
        )
        for child in children:
            params += row_params(child, child_fields)
    else:
        sql += " SELECT p.*, NULL FROM p"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk, child_pks = cursor.fetchone()
    saved(parent, pk)
    for child, child_pk in zip(children, child_pks or (), strict=False):
        setattr(child, fk, parent)
        saved(child, child_pk)
