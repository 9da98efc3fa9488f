"""Old history moves to the archive tables: every row lands in the archive exactly once,
the audit log's digest (live + archive) is unchanged, the append-only rules still hold,
what must stay stays, and staff read the archives in the admin without whole-table counts."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.models import ScanLog, ScanLogArchive
from skypark.accounts.tests.factories import MerchantFactory
from skypark.audit import invariants
from skypark.audit.models import AuditEntry, AuditEntryArchive
from skypark.audit.services import audit_log
from skypark.core.archiving import archive_all
from skypark.notify.models import Notification, NotificationArchive
from skypark.notify.tests.factories import NotificationFactory
from skypark.ops.verification import report

pytestmark = pytest.mark.django_db
LATER = timezone.now() + datetime.timedelta(days=1000)  # everything written now is old then


def _history():
    for number in range(5):
        audit_log(actor=None, action="test.archived", data={"n": number})
    merchant = MerchantFactory()
    for result in ("ok", "refused", "ok"):
        ScanLog.objects.create(merchant=merchant, payload="X", result=result)
    sent = NotificationFactory.create_batch(3)
    queued = NotificationFactory(status=Notification.Status.QUEUED, attempts=0)
    original = NotificationFactory(status=Notification.Status.FAILED)
    NotificationFactory(resent_from=original, status=Notification.Status.QUEUED, attempts=0)
    return sent, queued, original


def test_archiving_moves_old_rows_once_and_keeps_the_audit_log_provably_whole():
    sent, queued, original = _history()
    entries = AuditEntry.objects.count()
    digest = invariants.digest()

    moved = archive_all(now=LATER, batch=2)
    assert moved == {
        "audit.AuditEntryArchive": entries,
        "loyalty.ScanLogArchive": 3,
        "notify.NotificationArchive": 3,
        "eventlog.DomainEventArchive": 0,
    }
    assert not AuditEntry.objects.exists()
    assert AuditEntryArchive.objects.count() == entries
    assert invariants.digest() == digest
    assert not ScanLog.objects.exists()
    assert sorted(ScanLogArchive.objects.values_list("result", flat=True)) == ["ok", "ok", "refused"]
    assert set(NotificationArchive.objects.values_list("pk", flat=True)) == {n.pk for n in sent}
    # A queued notification, and one that a live notification was resent from, stay.
    assert set(Notification.objects.values_list("pk", flat=True)) >= {queued.pk, original.pk}
    assert not [p for part in report().values() for p in part["problems"]]

    # Nothing is newer than the cut-off today: a second run moves nothing.
    assert set(archive_all().values()) == {0}
    assert set(archive_all(now=LATER).values()) == {0}


def test_rows_younger_than_the_configured_age_stay(settings):
    _history()
    settings.ARCHIVE_AFTER_DAYS = {"audit": 2000, "scans": 2000, "notifications": 2000, "events": 2000}
    assert set(archive_all(now=LATER).values()) == {0}
    settings.ARCHIVE_AFTER_DAYS = {"audit": 2000, "scans": 1, "notifications": 2000, "events": 2000}
    assert archive_all(now=LATER)["loyalty.ScanLogArchive"] == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's")
def test_the_database_still_refuses_to_drop_or_rewrite_audit_entries():
    audit_log(actor=None, action="test.kept")
    audit_log(actor=None, action="test.archived")
    archive_all(now=LATER)
    audit_log(actor=None, action="test.live")
    live = AuditEntry.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [live.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentryarchive SET action = 'forged'")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentryarchive")
    assert AuditEntryArchive.objects.count() == 2 and AuditEntry.objects.count() == 1


@pytest.mark.parametrize("model", [AuditEntryArchive, ScanLogArchive, NotificationArchive])
def test_staff_read_the_archives_in_the_admin_without_counting_the_table(admin_client_logged, model):
    _history()
    archive_all(now=LATER)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client_logged.get(url)
    assert response.status_code == 200
    table = opts.db_table
    whole_counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and table in q["sql"] and "LIMIT" not in q["sql"].upper()
    ]
    assert whole_counts == []
    first = model.objects.order_by("-pk").first()
    detail = admin_client_logged.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    assert detail.status_code == 200


def test_the_archiving_job_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    from skypark.ops.services import schedules_install

    schedules_install()
    assert PeriodicTask.objects.get(task="skypark.ops.tasks.ops_archive").enabled
