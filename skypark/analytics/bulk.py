"""The sync's fast path on PostgreSQL: a fact source's rows copied out as CSV with one
``COPY`` and read into Arrow in one go, instead of one Python dict per row.

A source opts in with ``bulk`` (``skypark.core.facts.BulkRows``): its queryset and an ORM
expression per column. The copy reads exactly the analytics columns, in the table's order:
times as whole seconds since the epoch (what ``DateTime('UTC')`` keeps), the version as the
microseconds of the row's change time (as the row path computes it), and the watermark's
primary key last.
"""

import io
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Case, F, IntegerField, Value, When

from .schema import TABLES

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def bulk_available(source) -> bool:
    return source.bulk is not None and connection.vendor == "postgresql"


def _is_time(ch_type):
    return ch_type.replace("Nullable(", "").startswith("DateTime")


def _arrow_csv_type(ch_type):
    import pyarrow as pa

    from .engines.embedded import _arrow_type

    return pa.int64() if _is_time(ch_type) else _arrow_type(ch_type)


def bulk_batch(source, after, limit):
    """``(arrow table, watermark of its last row or None, rows)`` for up to ``limit`` rows
    changed after ``after``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from .engines.embedded import _arrow_type

    spec = source.bulk(after)
    table = TABLES[source.table]
    plain = [(name, type_) for name, type_ in table.columns if name not in (table.version_column, table.deleted_column)]
    values = {f"c{i}": spec.columns[name] for i, (name, _t) in enumerate(plain)}
    values["w_changed"] = spec.changed
    values["w_pk"] = F("pk")
    values["w_deleted"] = Case(When(spec.deleted, then=Value(1)), default=Value(0), output_field=IntegerField())
    inner, params = spec.queryset.values(**values)[:limit].query.sql_with_params()
    select = []
    for i, (_name, type_) in enumerate(plain):
        select.append(f'floor(extract(epoch FROM t."c{i}"))::bigint' if _is_time(type_) else f't."c{i}"')
    select += ['(extract(epoch FROM t."w_changed") * 1000000)::bigint', 't."w_deleted"', 't."w_pk"']
    with connection.cursor() as cursor:
        order = 'ORDER BY t."w_changed", t."w_pk"'
        statement = cursor.mogrify(f"SELECT {', '.join(select)} FROM ({inner}) AS t {order}", params)
        buffer = io.BytesIO()
        with cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    names = [name for name, _t in plain] + [table.version_column, table.deleted_column, "w_pk"]
    types = {name: _arrow_csv_type(type_) for name, type_ in plain}
    types.update({table.version_column: pa.uint64(), table.deleted_column: pa.uint8(), "w_pk": pa.int64()})
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return None, None, 0
    data = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names),
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    rows = data.num_rows
    last = (EPOCH + timedelta(microseconds=data[table.version_column][-1].as_py()), data["w_pk"][-1].as_py())
    columns = [pc.cast(data[name], _arrow_type(type_)) for name, type_ in table.columns]
    arrow = pa.Table.from_arrays(columns, names=table.column_names)
    return arrow, last, rows
