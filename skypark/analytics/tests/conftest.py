import pytest

from skypark.analytics.engines import get_engine
from skypark.analytics.schema import TABLES


@pytest.fixture
def store(settings, tmp_path):
    """A fresh, migrated analytical store: chdb in ``tmp_path``, or the ClickHouse server
    of ``CLICKHOUSE_URL`` with its tables emptied."""
    if settings.CLICKHOUSE_URL:
        engine = get_engine()
        engine.migrate()
        for name in TABLES:
            engine.client.command(f"TRUNCATE TABLE {name}")
    else:
        settings.ANALYTICS_STORE_DIR = str(tmp_path / "analytics")
        engine = get_engine()
        engine.migrate()
    return engine


# The browser walk's fixtures (the screenshot folder).
from skypark.core.tests.journeys.conftest import walk_root  # noqa: E402, F401
