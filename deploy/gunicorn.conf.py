"""gunicorn for the Sky Park web tier (``gunicorn -c deploy/gunicorn.conf.py skypark.wsgi``).

Sync workers: the views are short and database-bound, and a sync worker holds one
database connection. Size with ``WEB_CONCURRENCY`` (default 2 × cores + 1) and keep
web nodes × workers × (1 + threads - 1) under PostgreSQL's max_connections (or put
PgBouncer in front). Behind nginx on a unix socket.
"""

import multiprocessing
import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "unix:/run/skypark/gunicorn.sock")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (slow leaks), staggered so they do not all restart at once.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
preload_app = False


def on_starting(server):
    """django-prometheus adds up the figures of all workers through files in this
    directory, which must start empty (see README, "Operating it")."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
