"""Background jobs for staff.

A handler is a function ``handler(job, progress)`` registered under a kind; it reads
``job.params``, calls ``progress(done, total, error=None)`` as it goes and returns a
JSON-able result. Handlers must be safe to run again on the same parameters: a worker
killed mid-way redelivers the job (acks late), and the handler starts over.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from skypark.audit.services import audit_log

from .models import StaffJob

logger = logging.getLogger(__name__)
_handlers = {}
MAX_ERRORS = 200


def job_handler(kind):
    def register(func):
        _handlers[kind] = func
        return func

    return register


@transaction.atomic
def job_start(*, kind, params, actor, description=""):
    """Queue a job; the Celery task starts after this transaction commits."""
    from .tasks import run_staff_job

    if kind not in _handlers:
        raise KeyError(f"no handler for job kind {kind!r}")
    job = StaffJob.objects.create(
        kind=kind,
        params=params,
        description=description[:255],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_log(actor=actor, action="core.job.started", obj=job, data={"kind": kind})
    run_staff_job.delay_on_commit(job.pk)
    return job


def job_run(job_id):
    """Run a queued (or interrupted) job once. Returns the job; does nothing for a job
    that already finished, so a duplicate delivery is harmless."""
    with transaction.atomic():
        job = StaffJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (StaffJob.Status.SUCCEEDED, StaffJob.Status.FAILED):
            return job
        job.status = StaffJob.Status.RUNNING
        job.started_at = timezone.now()
        job.done = 0
        job.errors = []
        job.save(update_fields=["status", "started_at", "done", "errors"])

    errors = []

    def progress(done, total, error=None):
        if error is not None and len(errors) < MAX_ERRORS:
            errors.append(str(error))
        StaffJob.objects.filter(pk=job.pk).update(done=min(done, total), total=total)

    try:
        result = _handlers[job.kind](job, progress)
    except Exception as exc:  # a job's failure is shown to staff, not raised into the worker
        logger.exception("staff job %s failed", job.pk)
        StaffJob.objects.filter(pk=job.pk).update(
            status=StaffJob.Status.FAILED, finished_at=timezone.now(), errors=[*errors, f"{type(exc).__name__}: {exc}"]
        )
    else:
        StaffJob.objects.filter(pk=job.pk).update(
            status=StaffJob.Status.SUCCEEDED,
            finished_at=timezone.now(),
            result=result or {},
            errors=errors,
            done=F("total"),
        )
    job.refresh_from_db()
    return job
