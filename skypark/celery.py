import os

from celery import Celery
from celery.signals import beat_init, worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skypark.settings")

app = Celery("skypark")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_unsafe_settings(**kwargs):
    from skypark.core.safety import refuse_unsafe_settings

    refuse_unsafe_settings()


@worker_process_init.connect
def _own_database_pools(**kwargs):
    """A forked worker child gets pools of its own (``DB_POOL``): the parent's pool, its
    connections and its threads, if the parent opened one before forking, are dropped
    without closing them (closing would end the parent's sessions too)."""
    from django.db import connections

    for conn in connections.all():
        pools = getattr(type(conn), "_connection_pools", None)
        if pools is not None and pools.pop(conn.alias, None) is not None:
            conn.connection = None
