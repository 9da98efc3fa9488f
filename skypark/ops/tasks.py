from celery import shared_task

from .backups import backup_create


@shared_task(acks_late=False)
def ops_backup():
    """The nightly backup (see ``schedules_install``). Not acknowledged late: a backup cut
    short by a dying worker is not worth repeating mid-day; the next night takes one."""
    return str(backup_create())
