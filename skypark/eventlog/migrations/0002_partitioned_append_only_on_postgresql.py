"""On PostgreSQL the event table becomes partitioned by month of ``created_at`` (with a
default partition), and a trigger refuses deletes and any update other than the sync
bookkeeping. The table is empty when this runs (created by the previous migration)."""

from django.db import migrations

PARTITIONED = """
DROP TABLE eventlog_domainevent;
CREATE TABLE eventlog_domainevent (
    id uuid NOT NULL,
    aggregate_type varchar(50) NOT NULL,
    aggregate_id varchar(64) NOT NULL,
    event_type varchar(50) NOT NULL,
    version integer NOT NULL CHECK (version >= 0),
    data jsonb NOT NULL,
    metadata jsonb NOT NULL,
    correlation_id uuid NULL,
    causation_id uuid NULL,
    park_id bigint NULL,
    synced boolean NOT NULL,
    sync_attempts integer NOT NULL CHECK (sync_attempts >= 0),
    last_sync_attempt timestamp with time zone NULL,
    created_at timestamp with time zone NOT NULL,
    created_by varchar(255) NOT NULL,
    PRIMARY KEY (id, created_at),
    CONSTRAINT eventlog_event_version_unique UNIQUE (aggregate_type, aggregate_id, version, created_at),
    CONSTRAINT eventlog_event_version_gt_0 CHECK (version > 0)
) PARTITION BY RANGE (created_at);
CREATE TABLE eventlog_domainevent_default PARTITION OF eventlog_domainevent DEFAULT;
CREATE INDEX eventlog_type_created_idx ON eventlog_domainevent (event_type, created_at);
CREATE INDEX eventlog_park_sync_idx ON eventlog_domainevent (park_id, synced, created_at) WHERE park_id IS NOT NULL;
CREATE INDEX eventlog_unsynced_idx ON eventlog_domainevent (created_at) WHERE NOT synced;
CREATE INDEX eventlog_correlation_idx ON eventlog_domainevent (correlation_id) WHERE correlation_id IS NOT NULL;

CREATE OR REPLACE FUNCTION eventlog_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'domain events are append-only';
    END IF;
    IF (NEW.id, NEW.aggregate_type, NEW.aggregate_id, NEW.event_type, NEW.version, NEW.data, NEW.metadata,
        NEW.correlation_id, NEW.causation_id, NEW.park_id, NEW.created_at, NEW.created_by)
       IS DISTINCT FROM
       (OLD.id, OLD.aggregate_type, OLD.aggregate_id, OLD.event_type, OLD.version, OLD.data, OLD.metadata,
        OLD.correlation_id, OLD.causation_id, OLD.park_id, OLD.created_at, OLD.created_by) THEN
        RAISE EXCEPTION 'domain events are append-only (only the sync bookkeeping may change)';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER eventlog_event_append_only
    BEFORE UPDATE OR DELETE ON eventlog_domainevent
    FOR EACH ROW EXECUTE FUNCTION eventlog_event_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PARTITIONED)
    from skypark.eventlog.services import partitions_ensure

    partitions_ensure()


def backwards(apps, schema_editor):
    """Back to the plain table of the previous migration, the events copied across."""
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("eventlog", "DomainEvent")
    columns = ", ".join(f'"{field.column}"' for field in model._meta.concrete_fields)
    schema_editor.execute(f"CREATE TEMPORARY TABLE eventlog_domainevent_copy AS SELECT {columns} FROM eventlog_domainevent")
    schema_editor.execute("DROP TABLE eventlog_domainevent CASCADE")
    schema_editor.execute("DROP FUNCTION IF EXISTS eventlog_event_append_only()")
    schema_editor.create_model(model)
    schema_editor.execute(f"INSERT INTO eventlog_domainevent ({columns}) SELECT {columns} FROM eventlog_domainevent_copy")
    schema_editor.execute("DROP TABLE eventlog_domainevent_copy")


class Migration(migrations.Migration):
    dependencies = [("eventlog", "0001_domain_events")]
    operations = [migrations.RunPython(forwards, backwards)]
