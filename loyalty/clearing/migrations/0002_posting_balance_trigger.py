"""Every journal entry balances per currency, enforced by PostgreSQL: a constraint
trigger, deferred to commit (an entry's legs are inserted one after another), checks the
sum of each entry a posting was inserted into, changed in or deleted from. Other
databases rely on the same check in ``services.journal.legs_balance``."""

from django.db import migrations

CREATE = """
CREATE FUNCTION clearing_posting_balanced() RETURNS trigger AS $$
DECLARE
    entry bigint;
    bad record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        entry := OLD.entry_id;
    ELSE
        entry := NEW.entry_id;
    END IF;
    SELECT currency, SUM(amount) AS total INTO bad
    FROM clearing_posting WHERE entry_id = entry
    GROUP BY currency HAVING SUM(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: % %', entry, bad.total, bad.currency
            USING ERRCODE = 'check_violation', CONSTRAINT = 'clearing_posting_balanced';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.entry_id <> NEW.entry_id THEN
        SELECT currency, SUM(amount) AS total INTO bad
        FROM clearing_posting WHERE entry_id = OLD.entry_id
        GROUP BY currency HAVING SUM(amount) <> 0 LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'journal entry % does not balance: % %', OLD.entry_id, bad.total, bad.currency
                USING ERRCODE = 'check_violation', CONSTRAINT = 'clearing_posting_balanced';
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER clearing_posting_balanced
AFTER INSERT OR UPDATE OR DELETE ON clearing_posting
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION clearing_posting_balanced();
"""

DROP = """
DROP TRIGGER IF EXISTS clearing_posting_balanced ON clearing_posting;
DROP FUNCTION IF EXISTS clearing_posting_balanced();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("clearing", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
