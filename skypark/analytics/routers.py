"""Reports read from a PostgreSQL read replica when ``DATABASE_REPLICA_URL`` is set.

``REPORTS_ON_REPLICA`` (on when the replica is given) switches it. Only code inside ``reports_on_replica()`` (the analytics page, the partner analytics API)
reads from the ``replica`` alias; everything else reads the primary, so no page sees its
own write delayed by replication. Writes always go to the primary, even for an object that
was read from the replica. Django never migrates the replica (it is a copy of the
primary); ``manage.py migrate`` only touches ``default``.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings

REPLICA = "replica"
_on_replica = ContextVar("reports_on_replica", default=False)


@contextmanager
def reports_on_replica():
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


def replica_report(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        with reports_on_replica():
            return view(*args, **kwargs)

    return wrapped


class ReportReplicaRouter:
    def db_for_read(self, model, **hints):
        if _on_replica.get() and settings.REPORTS_ON_REPLICA and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows
