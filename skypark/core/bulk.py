"""Bulk inserts in few statements on PostgreSQL: the rows travel as one JSON document (a
single parameter, encoded by the C JSON encoder, nothing quoted value by value) that
``jsonb_to_recordset`` unpacks into typed columns."""

import json

from django.db import connection

CHUNK = 2000


def _plain(value):
    return str(value)  # UUIDs, dates, datetimes (ISO, with their offset), decimals


def rows_insert(model, objs, fields, *, suffix: str = "") -> list:
    """Inserts ``fields`` (model fields) of ``objs`` into ``model``'s table, in their
    order, with ``suffix`` after the SELECT (``ON CONFLICT …``, ``RETURNING …``); returns
    the rows the statements returned. JSON fields are encoded with their own encoder.
    PostgreSQL only."""
    table = model._meta.db_table
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = ", ".join(f'"{f.column}"' for f in fields)
    declared = ", ".join(
        f'"{f.column}" {"text" if f.attname in json_fields else f.db_type(connection)}' for f in fields
    )
    selected = ", ".join(f'"{f.column}"::jsonb' if f.attname in json_fields else f'"{f.column}"' for f in fields)
    statement = (
        f'INSERT INTO "{table}" ({columns}) SELECT {selected} FROM jsonb_to_recordset(%s::jsonb) AS v({declared}) '
        f"{suffix}"
    )
    returned = []
    with connection.cursor() as cursor:
        for start in range(0, len(objs), CHUNK):
            rows = []
            for obj in objs[start : start + CHUNK]:
                row = {}
                for f in fields:
                    value = getattr(obj, f.attname)
                    if f.attname in json_fields:
                        value = json.dumps(value, cls=f.encoder)
                    row[f.column] = value
                rows.append(row)
            cursor.execute(statement, [json.dumps(rows, default=_plain)])
            if cursor.description is not None:
                returned += cursor.fetchall()
    return returned
