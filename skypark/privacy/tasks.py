from celery import shared_task

from .services import erasure_request_carry_out


@shared_task(acks_late=True, ignore_result=True, max_retries=5)
def erasure_request_run(request_id):
    """Carry out a queued erasure request; safe to run twice."""
    erasure_request_carry_out(request_id=request_id)
