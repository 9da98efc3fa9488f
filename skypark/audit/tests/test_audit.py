import pytest
from django.db import DatabaseError, connection, transaction

from skypark.accounts.tests.factories import UserFactory
from skypark.audit.models import AuditEntry
from skypark.audit.selectors import audit_entries_for
from skypark.audit.services import audit_log, snapshot

pytestmark = pytest.mark.django_db


def test_entry_records_actor_object_and_changes():
    actor, target = UserFactory(), UserFactory(name="A")
    before = snapshot(target)
    target.name = "B"
    entry = audit_log(actor=actor, action="test.renamed", obj=target, before=before, after=snapshot(target))
    assert entry.actor_id == actor.pk and entry.actor_label == str(actor)
    assert entry.changes == {"name": ("A", "B")}
    assert list(audit_entries_for(target)) == [entry]


def test_snapshot_never_contains_secrets():
    user = UserFactory()
    assert snapshot(user)["password"] == "[hidden]"
    assert user.password not in str(snapshot(user))


@pytest.mark.parametrize(
    "name", ["webhook_secret", "key_hash", "refresh_token", "new_password", "api_key", "otp_seed", "pin", "tokens"]
)
def test_secrets_are_hidden_by_name_in_snapshots_and_data(name):
    entry = audit_log(
        actor=None,
        action="test.secret",
        before={name: "s3cr3t"},
        after={"nested": [{name: "s3cr3t"}]},
        data={name: "s3cr3t", "amount": "5"},
    )
    entry.refresh_from_db()
    assert "s3cr3t" not in str([entry.before, entry.after, entry.data])
    assert entry.before == {name: "[hidden]"} and entry.data == {name: "[hidden]", "amount": "5"}


@pytest.mark.parametrize("name", ["name", "key", "key_prefix", "keyboard", "spinner", "customer_code", "phone"])
def test_ordinary_fields_stay_readable(name):
    entry = audit_log(actor=None, action="test.plain", after={name: "visible"})
    assert entry.after == {name: "visible"}


def test_a_models_own_declaration_hides_a_field():
    from skypark.config.models import SystemSetting

    assert snapshot(SystemSetting(key="sms.api", value="42", is_sensitive=True))["value"] == "[hidden]"
    assert snapshot(SystemSetting(key="sms.api", value="42", is_sensitive=False))["value"] == "42"


def test_the_scrub_migration_hides_secrets_already_stored():
    from importlib import import_module

    from django.apps import apps as live_apps
    from django.db import connection

    migration = import_module("skypark.audit.migrations.0003_scrub_secrets")
    AuditEntry.objects.bulk_create(
        [AuditEntry(action="old.entry", after={"webhook_url": "https://x", "webhook_secret": "whsec_live"})]
    )

    class Editor:
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    if connection.vendor == "postgresql":
        # As in a migration's own transaction: no deferred foreign-key checks pending.
        Editor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    migration.scrub(live_apps, Editor())
    entry = AuditEntry.objects.get(action="old.entry")
    assert entry.after == {"webhook_url": "https://x", "webhook_secret": "[hidden]"}


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = audit_log(actor=None, action="test.thing")
    entry.action = "rewritten"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.thing"
    assert entry.actor_label == "system"


def test_database_refuses_updates_and_deletes_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    entry = audit_log(actor="merchant:cafe", action="test.thing")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.thing"


def test_entry_rolls_back_with_the_change_it_describes():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_log(actor=None, action="test.rolled_back")
        raise RuntimeError
    assert not AuditEntry.objects.filter(action="test.rolled_back").exists()


def test_audit_admin_is_read_only(admin_client_logged):
    from django.urls import reverse

    entry = audit_log(actor=None, action="test.thing")
    assert admin_client_logged.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    page = admin_client_logged.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client_logged.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert (
        admin_client_logged.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
