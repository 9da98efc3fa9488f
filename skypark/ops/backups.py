"""Backups and restores of the whole database.

PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot taken inside a single
repeatable-read transaction, so writes go on while it runs) and ``pg_restore``.
SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent
image of a database that other processes keep writing to.

Backups are files named ``skypark-<UTC time>.<ext>`` in ``BACKUP_DIR``; after each new one
only the newest ``BACKUP_KEEP`` stay. Point-in-time recovery in production (WAL archiving)
is described in the README ("Operating it").
"""

import logging
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

PREFIX = "skypark-"
EXTENSIONS = {"postgresql": ".dump", "sqlite": ".sqlite3"}


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """A database to write into: its engine and how to reach it."""

    vendor: str  # "postgresql" | "sqlite"
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, settings_dict) -> "Target":
        engine = settings_dict["ENGINE"]
        if "postgresql" in engine:
            vendor = "postgresql"
        elif "sqlite" in engine:
            vendor = "sqlite"
        else:
            raise BackupError(f"unsupported database engine {engine}")
        return cls(
            vendor=vendor,
            name=str(settings_dict["NAME"]),
            user=settings_dict.get("USER") or "",
            password=settings_dict.get("PASSWORD") or "",
            host=settings_dict.get("HOST") or "",
            port=str(settings_dict.get("PORT") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> "Target":
        import environ

        return cls.from_settings(environ.Env.db_url_config(url))

    def env(self) -> dict:
        """The libpq environment for pg_dump / pg_restore / psql (no password on argv)."""
        values = {"PGHOST": self.host, "PGPORT": self.port, "PGUSER": self.user, "PGPASSWORD": self.password}
        return {**os.environ, **{k: v for k, v in values.items() if v}}


def backup_dir() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def backups_list(directory: Path | None = None) -> list[Path]:
    """Backup files, oldest first (the names sort by time)."""
    directory = Path(directory) if directory else backup_dir()
    return sorted(p for p in directory.glob(f"{PREFIX}*") if p.suffix in EXTENSIONS.values())


# How long an SQLite backup waits for a writer to let go before it gives up.
BACKUP_LOCK_WAIT_SECONDS = 60


def _run(args: list[str], env: dict) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def backup_create(*, using: str = "default", directory: Path | None = None, keep: int | None = None) -> Path:
    """Takes a consistent backup of database ``using`` and prunes old ones; returns the file."""
    connection = connections[using]
    target = Target.from_settings(connection.settings_dict)
    directory = Path(directory) if directory else backup_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{PREFIX}{stamp}{EXTENSIONS[target.vendor]}"
    partial = path.with_name(path.name + ".partial")
    if target.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", target.name], target.env())
    else:
        # The live connection (also an in-memory test database) copies itself page by page,
        # which it cannot do while it holds a transaction open: it would wait forever.
        if connection.in_atomic_block:
            raise BackupError("an SQLite backup is taken outside a transaction")
        connection.ensure_connection()
        deadline = time.monotonic() + BACKUP_LOCK_WAIT_SECONDS

        def give_up_when_locked_too_long(status, remaining, total):
            # SQLite retries a step that finds the source locked for as long as it takes;
            # a writer that never lets go must fail the backup, not hang it.
            if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
                raise BackupError("the database stayed locked; no backup was taken")

        try:
            with sqlite3.connect(partial) as out:
                connection.connection.backup(out, pages=256, progress=give_up_when_locked_too_long, sleep=0.05)
            out.close()
        except BackupError:
            out.close()
            partial.unlink(missing_ok=True)
            raise
    partial.rename(path)
    logger.info("backup written", extra={"path": str(path), "bytes": path.stat().st_size})
    backups_prune(directory=directory, keep=keep)
    return path


def backups_prune(*, directory: Path | None = None, keep: int | None = None) -> list[Path]:
    """Deletes all but the newest ``keep`` backups (``BACKUP_KEEP``); returns the deleted."""
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError("at least one backup must be kept")
    old = backups_list(directory)[:-keep]
    for path in old:
        path.unlink()
        logger.info("backup pruned", extra={"path": str(path)})
    return old


def _psql(target: Target, sql: str) -> None:
    admin_db = "postgres" if target.name != "postgres" else "template1"
    _run(["psql", "-v", "ON_ERROR_STOP=1", "-qd", admin_db, "-c", sql], target.env())


def backup_restore(path: Path, target: Target) -> None:
    """Restores backup ``path`` into ``target``, replacing what the target holds. A
    PostgreSQL target database is created if missing; restore into a fresh database and
    switch the application over, rather than over a live one."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"no backup at {path}")
    if path.suffix == EXTENSIONS["postgresql"]:
        if target.vendor != "postgresql":
            raise BackupError("a PostgreSQL backup restores into PostgreSQL only")
        quoted = '"' + target.name.replace('"', '""') + '"'
        _psql(target, f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        _psql(target, f"CREATE DATABASE {quoted}")
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={target.name}",
                str(path),
            ],
            target.env(),
        )
    elif path.suffix == EXTENSIONS["sqlite"]:
        if target.vendor != "sqlite":
            raise BackupError("an SQLite backup restores into SQLite only")
        destination = Path(target.name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (destination.with_name(destination.name + s) for s in ("-wal", "-shm")):
            leftover.unlink(missing_ok=True)
        partial = destination.with_name(destination.name + ".restoring")
        with sqlite3.connect(path) as source, sqlite3.connect(partial) as out:
            source.backup(out)
        source.close()
        out.close()
        shutil.move(partial, destination)
    else:
        raise BackupError(f"{path.name} is not a backup (expected {' or '.join(EXTENSIONS.values())})")
    logger.info("backup restored", extra={"path": str(path), "database": target.name})
