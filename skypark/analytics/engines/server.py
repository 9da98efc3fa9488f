"""A ClickHouse server through clickhouse-connect (``CLICKHOUSE_URL``), for a network that
outgrows one machine. Tables are real ReplacingMergeTree / SummingMergeTree tables with
TTLs; the server merges parts and expires rows itself. Applied schema steps are recorded
in ``analytics_schema_migrations``."""

from ..schema import MIGRATIONS, TABLES
from .base import Engine, render

MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS analytics_schema_migrations "
    "(number UInt32, description String, applied_at DateTime DEFAULT now()) "
    "ENGINE = ReplacingMergeTree ORDER BY number"
)


class ServerEngine(Engine):
    name = "clickhouse-server"

    def __init__(self, url):
        import clickhouse_connect

        self.client = clickhouse_connect.get_client(dsn=url)

    def query(self, sql, params=None):
        result = self.client.query(render(sql, params))
        return list(result.named_results())

    def insert(self, table, rows):
        rows = list(rows)
        if not rows:
            return 0
        columns = TABLES[table].column_names
        self.client.insert(table, [[row[c] for c in columns] for row in rows], column_names=columns)
        return len(rows)

    def insert_arrow(self, table, arrow_table):
        self.client.insert_arrow(table, arrow_table)
        return arrow_table.num_rows

    def insert_select(self, table, sql, params=None):
        columns = ", ".join(TABLES[table].column_names)
        self.client.command(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ({render(sql, params)})")

    def applied_migrations(self):
        self.client.command(MIGRATIONS_TABLE)
        return {row[0] for row in self.client.query("SELECT number FROM analytics_schema_migrations").result_rows}

    def migrate(self):
        done = self.applied_migrations()
        applied = []
        for number, description, tables in MIGRATIONS:
            if number in done:
                continue
            for name in tables:
                self.client.command(TABLES[name].ddl())
            self.client.insert(
                "analytics_schema_migrations", [[number, description]], column_names=["number", "description"]
            )
            applied.append(number)
        return applied
