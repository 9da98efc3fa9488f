from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skypark.ops.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Takes a consistent backup of the database (PostgreSQL: pg_dump custom format; SQLite: the online "
        "backup API) into BACKUP_DIR and keeps the newest BACKUP_KEEP; prints the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="Directory for the backup (default: BACKUP_DIR).")
        parser.add_argument("--keep", type=int, help="How many backups to keep (default: BACKUP_KEEP).")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, **options):
        try:
            path = backup_create(using=options["database"], directory=options["dir"], keep=options["keep"])
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(str(path))
