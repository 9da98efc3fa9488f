"""The engine interface: one analytical store, ClickHouse SQL, two ways to run it.

``query(sql, params)`` returns a list of dicts with Python values (``Decimal`` for
money, ``date``/``datetime`` for time); ``insert(table, rows)`` appends rows given as
dicts; ``insert_select(table, sql)`` appends what a SELECT returns without a round trip
through Python. Parameters are written into the SQL as literals by ``render`` (the same
on both engines), so every query is the same text on both.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

_PARAM = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
        return f"toDateTime('{value:%Y-%m-%d %H:%M:%S}', 'UTC')"
    if isinstance(value, date):
        return f"toDate('{value.isoformat()}')"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return "(" + ", ".join(literal(v) for v in items) + ("," if len(items) == 1 else "") + ")"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def render(sql: str, params=None) -> str:
    """``{name}`` placeholders replaced by literals; a missing name is an error."""
    params = params or {}

    def one(match):
        name = match.group(1)
        if name not in params:
            raise KeyError(f"query parameter {name!r} not given")
        return literal(params[name])

    return _PARAM.sub(one, sql)


class Engine:
    name = "base"

    def query(self, sql, params=None) -> list:
        raise NotImplementedError

    def insert(self, table, rows) -> int:
        raise NotImplementedError

    def insert_select(self, table, sql, params=None) -> None:
        raise NotImplementedError

    def insert_arrow(self, table, arrow_table) -> int:
        """Appends an Arrow table whose columns are the table's, in its order."""
        raise NotImplementedError

    def applied_migrations(self) -> set:
        raise NotImplementedError

    def migrate(self) -> list:
        raise NotImplementedError

    def open(self) -> bool:
        """Does what the first query would otherwise pay for (loading the engine); True when
        the engine is ready to answer."""
        return True

    def compact(self) -> None:
        """Housekeeping the engine needs (merging parts); a server does it itself."""

    def scalar(self, sql, params=None):
        rows = self.query(sql, params)
        if not rows:
            return None
        return next(iter(rows[0].values()))
