"""Background staff jobs of the bookings domain."""

from skypark.core.jobs import job_handler

from .models import CourseSession
from .services.scheduling import SESSION_CANCEL_JOB, session_bookings_cancel


@job_handler(SESSION_CANCEL_JOB)
def session_cancel_job(job, progress):
    """Refunds and tells everyone booked on a cancelled session, with progress; safe to
    run again (what is done stays done)."""
    session = CourseSession.objects.get(pk=job.params["session"])
    return session_bookings_cancel(
        session=session, actor=job.created_by, reason=job.params.get("reason", ""), progress=progress
    )
