"""``get_engine()``: the ClickHouse server when ``CLICKHOUSE_URL`` is set, else chdb over
the Parquet store in ``ANALYTICS_STORE_DIR``."""

from django.conf import settings

from .base import Engine, literal, render  # noqa: F401

_engines = {}


def get_engine() -> Engine:
    url = getattr(settings, "CLICKHOUSE_URL", "")
    key = url or str(settings.ANALYTICS_STORE_DIR)
    engine = _engines.get(key)
    if engine is None:
        if url:
            from .server import ServerEngine

            engine = ServerEngine(url)
        else:
            from .embedded import EmbeddedEngine

            engine = EmbeddedEngine(settings.ANALYTICS_STORE_DIR)
        _engines[key] = engine
    return engine
