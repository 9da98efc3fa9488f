"""The partner API's hottest read: an active API key by its prefix, with its merchant and
the merchant's relations every partner call works with, in one statement built once per
process. Built through the ORM (``select_related`` over three joins) the read cost the
application several times what it costs the database; the rows become model instances
with ``Model.from_db``, as the ORM's own do, and each relation is cached on the merchant
as ``select_related`` caches it (a missing one-to-one raises ``DoesNotExist``)."""

from functools import cache

from django.db import connection

from .models import Merchant, MerchantApiKey


def _columns(model) -> list:
    return list(model._meta.concrete_fields)


@cache
def _plan(related: tuple[str, ...]):
    """The SQL and, per joined model, its relation on the merchant and its columns."""
    key_table, merchant_table = MerchantApiKey._meta.db_table, Merchant._meta.db_table
    parts = [(None, MerchantApiKey, "k"), (None, Merchant, "m")]
    joins = [f'JOIN "{merchant_table}" m ON m."id" = k."merchant_id"']
    for n, name in enumerate(related):
        relation = Merchant._meta.get_field(name)
        model, alias = relation.related_model, f"r{n}"
        if relation.concrete:  # a foreign key of the merchant's
            condition = f'{alias}."{model._meta.pk.column}" = m."{relation.column}"'
        else:  # a one-to-one pointing at the merchant
            condition = f'{alias}."{relation.field.column}" = m."id"'
        joins.append(f'LEFT JOIN "{model._meta.db_table}" {alias} ON {condition}')
        parts.append((relation, model, alias))
    selected = ", ".join(f'{alias}."{f.column}"' for _relation, model, alias in parts for f in _columns(model))
    sql = f'SELECT {selected} FROM "{key_table}" k {" ".join(joins)} WHERE k."prefix" = %s AND k."revoked_at" IS NULL'
    return sql, [(relation, model, _converters(model)) for relation, model, _alias in parts]


def _converters(model) -> list:
    """``(attname, converters, column)`` per column: what the ORM applies to a value read
    from the database (the backend's, then the field's ``from_db_value``)."""
    found = []
    for f in _columns(model):
        column = f.get_col(model._meta.db_table)
        found.append((f.attname, connection.ops.get_db_converters(column) + f.get_db_converters(connection), column))
    return found


def api_key_read(prefix: str, *, merchant_related=()) -> MerchantApiKey | None:
    """The active key with this prefix, its ``merchant`` and the merchant's
    ``merchant_related`` relations in hand, or None."""
    sql, parts = _plan(tuple(merchant_related))
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for relation, model, columns in parts:
        values = list(row[start : start + len(columns)])
        start += len(columns)
        names = [name for name, _converters, _column in columns]
        if relation is not None and values[names.index(model._meta.pk.attname)] is None:
            objects.append((relation, None))
            continue
        for n, (_name, converters, column) in enumerate(columns):
            for convert in converters:
                values[n] = convert(values[n], column, connection)
        objects.append((relation, model.from_db(connection.alias, names, values)))
    (_none, key), (_none2, merchant), *related = objects
    for relation, obj in related:
        relation.set_cached_value(merchant, obj)
        if obj is not None and not relation.concrete:
            relation.field.set_cached_value(obj, merchant)  # program.merchant reads nothing
    key.merchant = merchant
    return key
