from django.db import migrations

ADD = "ALTER TABLE accounts_child ADD CONSTRAINT accounts_child_birth_date_not_future CHECK (birth_date <= CURRENT_DATE)"
DROP = "ALTER TABLE accounts_child DROP CONSTRAINT IF EXISTS accounts_child_birth_date_not_future"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_merchant_permissions")]
    operations = [migrations.RunPython(forwards, backwards)]
