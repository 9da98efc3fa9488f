"""Every migration of the project can be unapplied: each RunPython and RunSQL names its
reverse (a named function, not an omission). CI also migrates every app to zero and back
up on PostgreSQL (``.ci/migrations-roundtrip``)."""

from pathlib import Path

from django.conf import settings
from django.db.migrations import RunPython, RunSQL
from django.db.migrations.loader import MigrationLoader


def _project_migrations():
    base = Path(settings.BASE_DIR)
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        module = Path(__import__(migration.__module__, fromlist=["_"]).__file__)
        if base in module.parents and ".venv" not in module.parts:
            yield app, name, migration


def test_every_project_migration_is_reversible():
    found = list(_project_migrations())
    assert len(found) > 30
    irreversible = [
        f"{app}.{name}: {type(op).__name__}"
        for app, name, migration in found
        for op in migration.operations
        if not op.reversible
    ]
    assert irreversible == []


def test_data_migrations_reverse_with_code_not_silently():
    """``RunPython.noop`` says nothing about why nothing is undone; a named function says it."""
    silent = [
        f"{app}.{name}"
        for app, name, migration in _project_migrations()
        for op in migration.operations
        if (isinstance(op, RunPython) and op.reverse_code is RunPython.noop)
        or (isinstance(op, RunSQL) and op.reverse_sql in (None, RunSQL.noop))
    ]
    assert silent == []
