"""The analytical store's tables: one set of definitions for every engine.

Each table is declared once (columns, engine, sort key, partition, TTL). The server engine
turns a declaration into ``CREATE TABLE IF NOT EXISTS``; the embedded engine into a
directory of Parquet parts read through a view (see ``engines.embedded``). Queries never
rely on merges having happened: facts are read through ``latest()``, which keeps the row
with the highest ``version`` per key with ``argMax`` (the ReplacingMergeTree rule applied
at read time), and summed tables are always read with ``sum() ... GROUP BY``.

``MIGRATIONS`` is the ordered list of schema steps; a store records the steps it has
applied, so ``manage.py analytics_migrate`` is safe to run any number of times and the
start-up check (``checks.py``) says when a store is behind the code.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple  # ((name, ClickHouse type), ...)
    engine: str  # "ReplacingMergeTree" | "SummingMergeTree" | "MergeTree"
    order_by: tuple
    partition_by: str = ""
    ttl_column: str = ""
    ttl_months: int = 0
    version_column: str = ""
    deleted_column: str = ""
    sum_columns: tuple = field(default=())

    @property
    def column_names(self):
        return [name for name, _type in self.columns]

    @property
    def structure(self):
        return ", ".join(f"{name} {type_}" for name, type_ in self.columns)

    def ddl(self):
        if self.engine == "ReplacingMergeTree":
            engine = f"ReplacingMergeTree({self.version_column})"
        elif self.engine == "SummingMergeTree":
            engine = f"SummingMergeTree(({', '.join(self.sum_columns)}))"
        else:
            engine = "MergeTree"
        parts = [f"CREATE TABLE IF NOT EXISTS {self.name} ({self.structure}) ENGINE = {engine}"]
        if self.partition_by:
            parts.append(f"PARTITION BY {self.partition_by}")
        parts.append(f"ORDER BY ({', '.join(self.order_by)})")
        if self.ttl_column:
            parts.append(f"TTL toDate({self.ttl_column}) + INTERVAL {self.ttl_months} MONTH DELETE")
        return "\n".join(parts)

    def ttl_filter(self):
        """The TTL as a predicate, for stores that apply it when reading."""
        if not self.ttl_column:
            return ""
        return f"toDate({self.ttl_column}) > today() - INTERVAL {self.ttl_months} MONTH"

    def latest(self, where=""):
        """A subquery with one row per key, the one with the highest version, without
        deleted rows: what FINAL returns, whether or not parts have merged."""
        if self.engine != "ReplacingMergeTree":
            raise ValueError(f"{self.name} is not versioned")
        keys = list(self.order_by)
        values = [c for c in self.column_names if c not in keys]
        # The inner names differ from the columns': an alias equal to a column name would
        # be read back inside the next argMax.
        picked = ", ".join(f"argMax({c}, {self.version_column}) AS {c}__latest" for c in values)
        renamed = ", ".join(f"{c}__latest AS {c}" for c in values)
        inner_where = f"WHERE {where}" if where else ""
        return (
            f"(SELECT {', '.join(keys)}, {renamed} FROM (SELECT {', '.join(keys)}, {picked} FROM {self.name} "
            f"{inner_where} GROUP BY {', '.join(keys)}) WHERE {self.deleted_column}__latest = 0)"
        )


MONEY = "Decimal(18, 2)"
CURRENCY = "LowCardinality(String)"

TRANSACTION_FACTS = Table(
    name="transaction_facts",
    columns=(
        ("user_id", "Int64"),
        ("occurred_at", "DateTime('UTC')"),
        ("transaction_id", "String"),
        ("source", "LowCardinality(String)"),
        ("merchant_id", "Int64"),
        ("category", "LowCardinality(String)"),
        ("currency", CURRENCY),
        ("amount", MONEY),
        ("refunded", MONEY),
        ("bonus_accrued", MONEY),
        ("status", "LowCardinality(String)"),
        ("version", "UInt64"),
        ("is_deleted", "UInt8"),
    ),
    engine="ReplacingMergeTree",
    order_by=("user_id", "occurred_at", "transaction_id"),
    partition_by="toYYYYMM(occurred_at)",
    ttl_column="occurred_at",
    ttl_months=24,
    version_column="version",
    deleted_column="is_deleted",
)

ACTIVITY_FACTS = Table(
    name="activity_facts",
    columns=(
        ("kind", "LowCardinality(String)"),
        ("place_id", "Int64"),
        ("day", "Date"),
        ("activity_id", "String"),
        ("user_id", "Int64"),
        ("started_at", "DateTime('UTC')"),
        ("ended_at", "Nullable(DateTime('UTC'))"),
        ("quantity", "UInt32"),
        ("ages", "Array(UInt8)"),
        ("currency", CURRENCY),
        ("amount", MONEY),
        ("status", "LowCardinality(String)"),
        ("version", "UInt64"),
        ("is_deleted", "UInt8"),
    ),
    engine="ReplacingMergeTree",
    order_by=("kind", "place_id", "day", "activity_id"),
    partition_by="toYYYYMM(day)",
    ttl_column="day",
    ttl_months=24,
    version_column="version",
    deleted_column="is_deleted",
)

CROSS_PROMO_FACTS = Table(
    name="cross_promo_facts",
    columns=(
        ("source_merchant_id", "Int64"),
        ("target_merchant_id", "Int64"),
        ("occurred_at", "DateTime('UTC')"),
        ("event_id", "String"),
        ("kind", "LowCardinality(String)"),
        ("user_id", "Int64"),
        ("currency", CURRENCY),
        ("revenue", MONEY),
        ("version", "UInt64"),
        ("is_deleted", "UInt8"),
    ),
    engine="ReplacingMergeTree",
    order_by=("source_merchant_id", "target_merchant_id", "occurred_at", "event_id"),
    partition_by="toYYYYMM(occurred_at)",
    ttl_column="occurred_at",
    ttl_months=24,
    version_column="version",
    deleted_column="is_deleted",
)

RFM_SNAPSHOTS = Table(
    name="rfm_snapshots",
    columns=(
        ("scope_merchant_id", "Int64"),  # 0: the whole network
        ("snapshot_date", "Date"),
        ("currency", CURRENCY),
        ("user_id", "Int64"),
        ("recency_days", "Int32"),
        ("frequency_count", "Int32"),
        ("monetary_value", MONEY),
        ("r_score", "UInt8"),
        ("f_score", "UInt8"),
        ("m_score", "UInt8"),
        ("rfm_segment", "LowCardinality(String)"),
        ("version", "UInt64"),
        ("is_deleted", "UInt8"),
    ),
    engine="ReplacingMergeTree",
    order_by=("scope_merchant_id", "snapshot_date", "currency", "user_id"),
    partition_by="toYYYYMM(snapshot_date)",
    ttl_column="snapshot_date",
    ttl_months=12,
    version_column="version",
    deleted_column="is_deleted",
)

CROSS_PROMO_CONVERSIONS = Table(
    name="cross_promo_conversions",
    columns=(
        ("date", "Date"),
        ("hour", "UInt8"),
        ("source_merchant_id", "Int64"),
        ("target_merchant_id", "Int64"),
        ("currency", CURRENCY),
        ("triggers", "Int64"),
        ("conversions", "Int64"),
        ("revenue", MONEY),
    ),
    engine="SummingMergeTree",
    order_by=("date", "source_merchant_id", "target_merchant_id", "currency", "hour"),
    partition_by="toYYYYMM(date)",
    ttl_column="date",
    ttl_months=24,
    sum_columns=("triggers", "conversions", "revenue"),
)

WEB_EVENTS = Table(
    name="web_events",
    columns=(
        ("kind", "LowCardinality(String)"),
        ("occurred_at", "DateTime('UTC')"),
        ("event_id", "String"),
        ("user_id", "Int64"),
        ("visitor", "String"),
        ("route", "LowCardinality(String)"),
        ("path", "String"),
        ("referrer", "String"),
        ("product", "LowCardinality(String)"),
        ("object_id", "String"),
        ("language", "LowCardinality(String)"),
        ("device_type", "LowCardinality(String)"),
        ("browser", "LowCardinality(String)"),
        ("ip_prefix", "String"),
        ("version", "UInt64"),
        ("is_deleted", "UInt8"),
    ),
    engine="ReplacingMergeTree",
    order_by=("kind", "occurred_at", "event_id"),
    partition_by="toYYYYMM(occurred_at)",
    ttl_column="occurred_at",
    ttl_months=24,
    version_column="version",
    deleted_column="is_deleted",
)

TABLES = {
    t.name: t
    for t in (TRANSACTION_FACTS, ACTIVITY_FACTS, CROSS_PROMO_FACTS, RFM_SNAPSHOTS, CROSS_PROMO_CONVERSIONS, WEB_EVENTS)
}

# Ordered schema steps: (number, description, tables it creates). A later step that changes
# a table adds a new table name or an ALTER here; applied steps are never edited.
MIGRATIONS = [
    (1, "facts, RFM snapshots and the win-win matrix", tuple(t for t in TABLES if t != "web_events")),
    (2, "page views and purchase steps", ("web_events",)),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
