from celery import shared_task

from .jobs import job_run


@shared_task(acks_late=True)
def run_staff_job(job_id):
    job_run(job_id)
