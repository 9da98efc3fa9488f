"""PostgreSQL only: a trigram index on the customer's name, so that the admin's name
search (``UPPER(name) LIKE UPPER('%word%')``, Django's ``icontains``) is an index scan
on a table of a million customers. SQLite scans, which is fine at its sizes."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

ADD = "CREATE INDEX IF NOT EXISTS accounts_user_name_trgm ON accounts_user USING gin ((UPPER(name::text)) gin_trgm_ops)"
DROP = "DROP INDEX IF EXISTS accounts_user_name_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_child_birth_date_check")]
    operations = [
        # CreateExtension is itself a no-op on engines other than PostgreSQL.
        TrigramExtension(),
        migrations.RunPython(forwards, backwards),
    ]
