from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from skypark.ops.backups import BackupError, Target, backup_restore, backups_list


class Command(BaseCommand):
    help = (
        "Restores a backup made by `backup` into a database, replacing its contents. Restore into a new "
        "database (--database-url) and check it with `verify_invariants` before switching over."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, help="Backup file (default: the newest in BACKUP_DIR).")
        parser.add_argument(
            "--database-url",
            help="Where to restore (a DATABASE_URL); default: this installation's own database.",
        )
        parser.add_argument(
            "--yes", "--noinput", "--no-input", action="store_true", help="Do not ask before replacing the database."
        )

    def handle(self, *args, **options):
        path = options["path"]
        if path is None:
            found = backups_list()
            if not found:
                raise CommandError("no backups in BACKUP_DIR")
            path = found[-1]
        if options["database_url"]:
            target = Target.from_url(options["database_url"])
        else:
            target = Target.from_settings(connections["default"].settings_dict)
            connections["default"].close()
        if not options["yes"]:
            answer = input(f"Replace everything in database {target.name!r} with {path}? Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("restore cancelled")
        try:
            backup_restore(path, target)
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"restored {path} into {target.name}")
