"""The embedded engine: chdb (ClickHouse in the process) over immutable Parquet parts.

chdb lets one process open a data path at a time, and the web workers, the Celery worker
and the admin are separate processes. So no process owns the store: it is a directory of
immutable Parquet files, one folder per table (``<root>/<table>/part-*.parquet``).

- Writers (the sync tasks, the RFM snapshot, the matrix) add a part: the file is written
  under a temporary name and renamed, so a reader sees a whole part or none. Any number of
  processes may write at once; parts never change after the rename.
- Readers open their own in-memory chdb (one per process, no data path) whose tables are
  views over ``file('<root>/<table>/*.parquet')``; each query reads the parts that exist
  when it starts. Nothing is held open between queries.
- Versioned tables are read through ``Table.latest()`` (argMax by version), so a row
  written twice, by a re-run or by two overlapping runs, counts once; summed tables are
  read with ``sum() ... GROUP BY``. TTLs are applied by the views and by compaction.
- Answers are cached per process, keyed by the query and the exact parts of the tables it
  names (and the day, for the TTLs): parts never change, so an answer stays right until a
  part is added or merged away, and the next query sees the new list and runs again.
  Dashboards and the partner API repeat the same queries between syncs; a repeat costs a
  directory listing instead of a scan and never waits behind another query.
- ``compact()`` merges a table's parts into one (what a MergeTree merge does: the latest
  version per key, sums per key, expired rows dropped). The swap (rename the merged part
  in, delete the parts it replaces) takes an exclusive ``flock`` that every query holds
  shared, so no query sees a part and the merged part that replaces it.
"""

import fcntl
import json
import os
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from ..schema import MIGRATIONS, TABLES
from .base import Engine, render

COMPACT_AT = 16  # parts in a table before compact() merges them

_lock = threading.RLock()
_state = {"pid": None, "conn": None, "root": None}
CACHE_SIZE = 256  # answers kept per process
_cache = OrderedDict()
_cache_lock = threading.Lock()


class StoreNotReady(RuntimeError):
    """The store's folder has not been created: run ``manage.py analytics_migrate``."""


def _arrow_type(ch_type):
    import pyarrow as pa

    if ch_type.startswith("Nullable("):
        return _arrow_type(ch_type[9:-1])
    if ch_type.startswith("LowCardinality("):
        return _arrow_type(ch_type[15:-1])
    if ch_type.startswith("Array("):
        return pa.list_(_arrow_type(ch_type[6:-1]))
    if ch_type.startswith("Decimal("):
        precision, scale = (int(x) for x in ch_type[8:-1].split(","))
        return pa.decimal128(precision, scale)
    if ch_type.startswith("DateTime"):
        return pa.timestamp("s", tz="UTC")
    simple = {
        "Int64": pa.int64(),
        "UInt64": pa.uint64(),
        "Int32": pa.int32(),
        "UInt32": pa.uint32(),
        "UInt8": pa.uint8(),
        "Date": pa.date32(),
        "String": pa.string(),
    }
    return simple[ch_type]


def _structure(table):
    return table.structure.replace("'", "\\'")


def _python(ch_type, value):
    """A JSONCompact value as the Python value clickhouse-connect would give."""
    if value is None:
        return None
    if ch_type.startswith("Nullable("):
        return _python(ch_type[9:-1], value)
    if ch_type.startswith("LowCardinality("):
        return _python(ch_type[15:-1], value)
    if ch_type.startswith("Array("):
        return [_python(ch_type[6:-1], v) for v in value]
    if ch_type.startswith("Tuple("):
        return tuple(value)
    if ch_type.startswith("Decimal"):
        scale = int(ch_type.rstrip(")").rsplit(",", 1)[1]) if "," in ch_type else 0
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-scale))
    if ch_type.startswith("DateTime"):
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    if ch_type.startswith("Date"):
        return date.fromisoformat(str(value))
    if ch_type.startswith(("Int", "UInt")):
        return int(value)
    if ch_type.startswith("Float"):
        return float(value)
    return value


class EmbeddedEngine(Engine):
    name = "chdb"

    def __init__(self, root):
        self.root = Path(root)

    # -- files ----------------------------------------------------------------------------
    def _dir(self, table):
        return self.root / table

    def _parts(self, table):
        return sorted(p for p in self._dir(table).glob("part-*.parquet"))

    def _new_part_path(self, table):
        return self._dir(table) / f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:12]}.parquet"

    def _publish(self, table, data: bytes = None, arrow_table=None):
        final = self._new_part_path(table)
        tmp = final.with_name(final.name + ".tmp")
        if arrow_table is not None:
            import pyarrow.parquet as pq

            pq.write_table(arrow_table, tmp)
        else:
            tmp.write_bytes(data)
        os.replace(tmp, final)
        return final

    @contextmanager
    def _swap_lock(self, exclusive):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".swap.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- chdb -----------------------------------------------------------------------------
    def _connection(self):
        import chdb

        if _state["pid"] != os.getpid():
            _state.update(pid=os.getpid(), conn=chdb.connect(":memory:"), root=None)
        if _state["root"] != str(self.root):
            if not (self.root / "schema.json").exists():
                raise StoreNotReady(f"no analytical store in {self.root}: run manage.py analytics_migrate")
            for table in TABLES.values():
                where = f" WHERE {table.ttl_filter()}" if table.ttl_column else ""
                source = f"file('{self._dir(table.name)}/part-*.parquet', Parquet, '{_structure(table)}')"
                _state["conn"].query(f"CREATE OR REPLACE VIEW {table.name} AS SELECT * FROM {source}{where}")
            _state["root"] = str(self.root)
        return _state["conn"]

    def open(self):
        try:
            with _lock:
                self._connection()
        except StoreNotReady:
            return False
        return True

    def _run(self, sql, fmt):
        with _lock, self._swap_lock(exclusive=False):
            return self._connection().query(sql, fmt)

    def _generation(self, sql):
        """The parts of every table the query names: what its answer depends on."""
        return tuple((name, tuple(p.name for p in self._parts(name))) for name in TABLES if name in sql)

    def query(self, sql, params=None):
        sql = render(sql, params)
        with self._swap_lock(exclusive=False):
            key = (str(self.root), date.today(), sql, self._generation(sql))
            with _cache_lock:
                rows = _cache.get(key)
                if rows is not None:
                    _cache.move_to_end(key)
            if rows is None:
                with _lock:
                    # Another thread may have answered it while this one waited for the lock.
                    with _cache_lock:
                        rows = _cache.get(key)
                    if rows is None:
                        rows = self._decode(self._connection().query(sql, "JSONCompact").bytes())
                        with _cache_lock:
                            _cache[key] = rows
                            while len(_cache) > CACHE_SIZE:
                                _cache.popitem(last=False)
        return [dict(row) for row in rows]

    @staticmethod
    def _decode(raw):
        if not raw:
            return []
        payload = json.loads(raw, parse_float=Decimal)
        meta = [(m["name"], m["type"]) for m in payload["meta"]]
        return [{name: _python(t, v) for (name, t), v in zip(meta, row, strict=True)} for row in payload["data"]]

    # -- writes ---------------------------------------------------------------------------
    def insert(self, table, rows):
        import pyarrow as pa

        rows = list(rows)
        if not rows:
            return 0
        definition = TABLES[table]
        arrays = [pa.array([row[name] for row in rows], type=_arrow_type(type_)) for name, type_ in definition.columns]
        self._publish(table, arrow_table=pa.Table.from_arrays(arrays, names=definition.column_names))
        return len(rows)

    def insert_arrow(self, table, arrow_table):
        self._publish(table, arrow_table=arrow_table)
        return arrow_table.num_rows

    def _cast_select(self, table, sql):
        definition = TABLES[table]
        casts = ", ".join(f"CAST({name} AS {type_}) AS {name}" for name, type_ in definition.columns)
        return f"SELECT {casts} FROM ({sql})"

    def insert_select(self, table, sql, params=None):
        data = self._run(self._cast_select(table, render(sql, params)), "Parquet").bytes()
        self._publish(table, data=data)

    # -- schema ---------------------------------------------------------------------------
    def applied_migrations(self):
        try:
            return set(json.loads((self.root / "schema.json").read_text())["applied"])
        except FileNotFoundError:
            return set()

    def migrate(self):
        done = self.applied_migrations()
        applied = []
        for number, _description, tables in MIGRATIONS:
            if number in done:
                continue
            for name in tables:
                self._dir(name).mkdir(parents=True, exist_ok=True)
                if not self._parts(name):
                    self.insert_empty(name)
            done.add(number)
            applied.append(number)
        if applied or not (self.root / "schema.json").exists():
            tmp = self.root / "schema.json.tmp"
            tmp.write_text(json.dumps({"applied": sorted(done)}))
            os.replace(tmp, self.root / "schema.json")
            _state["root"] = None  # views are recreated for the new tables
        return applied

    def insert_empty(self, table):
        import pyarrow as pa

        definition = TABLES[table]
        schema = pa.schema([(name, _arrow_type(type_)) for name, type_ in definition.columns])
        self._publish(table, arrow_table=schema.empty_table())

    # -- merges ---------------------------------------------------------------------------
    def compact(self, at=COMPACT_AT):
        """Merges each table's parts into one once it has ``at`` or more. One compactor at
        a time (a non-blocking lock: a second caller skips)."""
        merged = {}
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".compact.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return merged
            try:
                for table in TABLES.values():
                    parts = self._parts(table.name)
                    if len(parts) >= max(at, 2):
                        merged[table.name] = self._merge(table, parts)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return merged

    def _merge(self, table, parts):
        names = ",".join(p.name for p in parts)
        source = f"file('{self._dir(table.name)}/{{{names}}}', Parquet, '{_structure(table)}')"
        keep = f"WHERE {table.ttl_filter()}" if table.ttl_column else ""
        keys = ", ".join(table.order_by)
        if table.engine == "ReplacingMergeTree":
            sql = f"SELECT * FROM {source} {keep} ORDER BY {table.version_column} DESC LIMIT 1 BY {keys}"
        else:
            sums = ", ".join(f"sum({c}) AS {c}" for c in table.sum_columns)
            nonzero = " OR ".join(f"{c} != 0" for c in table.sum_columns)
            sql = f"SELECT {keys}, {sums} FROM {source} {keep} GROUP BY {keys} HAVING {nonzero}"
        with _lock:
            data = self._connection().query(self._cast_select(table.name, sql), "Parquet").bytes()
        final = self._new_part_path(table.name)
        tmp = final.with_name(final.name + ".tmp")
        tmp.write_bytes(data)
        with self._swap_lock(exclusive=True):
            os.replace(tmp, final)
            for part in parts:
                part.unlink()
        return len(parts)
