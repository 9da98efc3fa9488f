"""``get_engine()``: the ClickHouse server when ``CLICKHOUSE_URL`` is set, else chdb over
the Parquet store in ``ANALYTICS_STORE_DIR``."""

import logging

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


def preload() -> bool:
    """Opens the engine in a web process as it starts, before its first request, so the
    first analytics page or API call does not wait for the engine to load. A store that is
    not there yet, or a server that does not answer, is logged and left to the first query."""
    if not settings.ANALYTICS_PRELOAD:
        return False
    try:
        return get_engine().open()
    except Exception:
        logging.getLogger(__name__).warning("the analytical store could not be opened", exc_info=True)
        return False
