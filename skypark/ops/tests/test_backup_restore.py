"""A backup of a populated database restores into a fresh one with every invariant
holding and every fact (counts, points outstanding, the audit log's digest) unchanged.
The engine is the suite's: PostgreSQL (pg_dump / pg_restore) when DATABASE_URL names it,
SQLite (the online backup API) otherwise. The restored database is checked by the
commands an operator runs, in a separate process pointed at it."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from skypark.accounts.tests.factories import ChildFactory, UserFactory
from skypark.commerce.services import payment_complete, payment_start
from skypark.ops import backups
from skypark.ops.verification import report
from skypark.parks import services as parks
from skypark.parks.tests.factories import ParkFactory

# Committed data, as a backup sees it (and SQLite backs up only outside a transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def _populate():
    call_command("seed_demo", stdout=StringIO())
    park = ParkFactory()
    for index in range(3):
        customer = UserFactory(phone=f"+99677088800{index}")
        ticket = parks.ticket_order_create(
            customer=customer,
            park=park,
            visit_date=timezone.localdate(),
            visitors=[{"child_id": ChildFactory(parent=customer).pk}],
        )
        payment, _action = payment_start(order=ticket.order, provider="sandbox", method="visa")
        payment_complete(payment=payment, external_id=payment.external_id)
        ticket.refresh_from_db()
        assert parks.ticket_admit(code=ticket.backup_code, park=park).admitted


def _restore_target(tmp_path):
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_restored"
        settings_dict = {**connection.settings_dict, "NAME": name}
        user = settings_dict.get("USER") or ""
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{name}", backups.Target.from_settings(settings_dict)
    path = tmp_path / "restored.sqlite3"
    return f"sqlite:///{path}", None


def _manage(args, database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "skypark.settings.test"}
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_backup_restores_into_a_fresh_database_with_every_invariant_and_fact(tmp_path):
    _populate()
    original = report()
    assert not [p for part in original.values() for p in part["problems"]]
    assert original["loyalty"]["facts"]["accounts"] > 0
    assert original["parks"]["facts"]["tickets"] >= 3
    assert original["audit"]["facts"]["entries"] > 0

    call_command("backup", dir=tmp_path / "backups", keep=3, stdout=StringIO())
    path = backups.backups_list(tmp_path / "backups")[-1]
    assert path.suffix == (".dump" if connection.vendor == "postgresql" else ".sqlite3")

    url, pg_target = _restore_target(tmp_path)
    try:
        call_command("restore", str(path), database_url=url, yes=True, stdout=StringIO())

        verify = _manage(["loyalty_verify"], url)
        assert verify.returncode == 0, verify.stderr
        assert "all balanced" in verify.stdout

        checked = _manage(["verify_invariants", "--json"], url)
        assert checked.returncode == 0, checked.stderr
        restored = json.loads(checked.stdout)
        assert restored == json.loads(json.dumps(original, sort_keys=True, default=str))

        # The check is real: a broken balance in the restored copy makes it fail.
        broken = _manage(
            [
                "shell",
                "-c",
                "from loyalty.models import Account; "
                "Account.objects.filter(pk=Account.objects.order_by('pk').first().pk)"
                ".update(balance=123456789)",
            ],
            url,
        )
        assert broken.returncode == 0, broken.stderr
        failing = _manage(["verify_invariants"], url)
        assert failing.returncode == 1
        assert "balance 123456789" in failing.stderr
    finally:
        if pg_target is not None:
            backups._psql(pg_target, f'DROP DATABASE IF EXISTS "{pg_target.name}" WITH (FORCE)')


def test_retention_keeps_the_newest_backups(tmp_path):
    made = [backups.backup_create(directory=tmp_path, keep=10) for _ in range(4)]
    assert backups.backups_list(tmp_path) == made
    deleted = backups.backups_prune(directory=tmp_path, keep=2)
    assert deleted == made[:2]
    assert backups.backups_list(tmp_path) == made[2:]
    backups.backup_create(directory=tmp_path, keep=2)
    assert len(backups.backups_list(tmp_path)) == 2
    with pytest.raises(backups.BackupError):
        backups.backups_prune(directory=tmp_path, keep=0)


def test_the_nightly_job_is_scheduled_and_writes_a_backup(tmp_path, settings):
    from django_celery_beat.models import PeriodicTask

    from skypark.ops.services import schedules_install
    from skypark.ops.tasks import ops_backup

    schedules_install()
    schedules_install()
    job = PeriodicTask.objects.get(task="skypark.ops.tasks.ops_backup")
    assert job.enabled and job.crontab.hour == "3"

    settings.BACKUP_DIR = str(tmp_path)
    settings.BACKUP_KEEP = 1
    first = ops_backup.apply().get()
    second = ops_backup.apply().get()
    assert [str(p) for p in backups.backups_list(tmp_path)] == [second]
    assert first != second


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    with pytest.raises(backups.BackupError):
        backups.backup_restore(bogus, backups.Target.from_url(f"sqlite:///{tmp_path / 'x.sqlite3'}"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup API's own limit")
def test_an_sqlite_backup_inside_a_transaction_is_refused_not_hung(tmp_path):
    from django.db import transaction

    with transaction.atomic(), pytest.raises(backups.BackupError, match="outside a transaction"):
        backups.backup_create(directory=tmp_path)
    assert backups.backups_list(tmp_path) == []
