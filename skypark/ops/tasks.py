from celery import shared_task

from skypark.core.archiving import archive_all

from .backups import backup_create


@shared_task(acks_late=False)
def ops_backup():
    """The nightly backup (see ``schedules_install``). Not acknowledged late: a backup cut
    short by a dying worker is not worth repeating mid-day; the next night takes one."""
    return str(backup_create())


@shared_task(acks_late=True)
def ops_archive():
    """Moves old history to the archive tables (safe to repeat: each batch is atomic)."""
    return archive_all()
