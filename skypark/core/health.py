import logging

from django.db import DatabaseError

logger = logging.getLogger(__name__)


def database_ok(connection) -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.exception("health: database unreachable")
        return False


def broker_ok(timeout: float = 2.0) -> bool:
    from skypark.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # kombu raises transport-specific errors
        logger.exception("health: broker unreachable")
        return False
