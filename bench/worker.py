"""Query counting for a benchmark's Celery worker (loaded by ``skypark.settings.bench``
when ``BENCH_WORKER_QUERY_LOG`` names a file): each task's SQL statements are counted and
one line ``<task name> <statements>`` is appended to that file when the task ends, so a
scenario can add the worker's queries to the web's ``X-Query-Count``.
"""

import os

from celery.signals import task_postrun, task_prerun

LOG_PATH = os.environ.get("BENCH_WORKER_QUERY_LOG", "")
_counts: dict[str, list[int]] = {}


def _counter(box):
    def wrapper(execute, sql, params, many, context):
        box[0] += 1
        return execute(sql, params, many, context)

    return wrapper


@task_prerun.connect
def _start(task_id=None, **_kwargs):
    from django.db import connection

    box = [0]
    _counts[task_id] = box
    wrapper = _counter(box)
    box.append(wrapper)
    connection.execute_wrappers.append(wrapper)


@task_postrun.connect
def _stop(task_id=None, task=None, **_kwargs):
    from django.db import connection

    box = _counts.pop(task_id, None)
    if box is None:
        return
    if box[1] in connection.execute_wrappers:
        connection.execute_wrappers.remove(box[1])
    with open(LOG_PATH, "a", encoding="utf-8") as fh:
        fh.write(f"{getattr(task, 'name', '?')} {box[0]}\n")
