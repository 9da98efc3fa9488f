import pytest

from skypark.core.jobs import job_handler, job_run, job_start
from skypark.core.models import StaffJob

pytestmark = pytest.mark.django_db

calls = []


@job_handler("test.count")
def count_handler(job, progress):
    for i in range(job.params["n"]):
        calls.append(i)
        progress(i + 1, job.params["n"], error="odd" if i % 2 else None)
    return {"counted": job.params["n"]}


@job_handler("test.explode")
def explode_handler(job, progress):
    progress(1, 2)
    raise RuntimeError("disk full")


def test_job_runs_after_commit_and_records_progress_and_result(staff_user, django_capture_on_commit_callbacks):
    calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.count", params={"n": 4}, actor=staff_user, description="count")
    job.refresh_from_db()
    assert job.status == StaffJob.Status.SUCCEEDED
    assert (job.done, job.total, job.percent) == (4, 4, 100)
    assert job.result == {"counted": 4}
    assert job.errors == ["odd", "odd"]


def test_a_finished_job_is_not_run_again():
    calls.clear()
    job = StaffJob.objects.create(kind="test.count", params={"n": 3})
    job_run(job.pk)
    job_run(job.pk)
    assert calls == [0, 1, 2]


def test_an_interrupted_job_starts_over_when_redelivered():
    calls.clear()
    job = StaffJob.objects.create(kind="test.count", params={"n": 2}, status=StaffJob.Status.RUNNING, done=1, total=2)
    assert job_run(job.pk).status == StaffJob.Status.SUCCEEDED
    assert calls == [0, 1]


def test_a_failing_job_is_marked_failed_with_the_error():
    job = job_run(StaffJob.objects.create(kind="test.explode").pk)
    assert job.status == StaffJob.Status.FAILED
    assert job.errors == ["RuntimeError: disk full"]
    assert job.finished_at is not None


def test_nothing_is_queued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            job_start(kind="test.count", params={"n": 1}, actor=None)
            raise RuntimeError
    assert callbacks == [] and not StaffJob.objects.exists()


def test_unknown_kind_is_refused():
    with pytest.raises(KeyError):
        job_start(kind="no.such", params={}, actor=None)
