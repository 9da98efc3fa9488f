"""Credentials are encrypted at rest, and keys rotate: an old key still decrypts, and
re-encryption moves every credential to the new key."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from loyalty.connectors import crypto, fetching, services
from loyalty.connectors.models import Connector

from .conftest import NEW_KEY

pytestmark = pytest.mark.django_db


def raw_credentials(connector) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT credentials FROM {Connector._meta.db_table} WHERE id = %s", [connector.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def connector(merchant, source):
    return services.connector_create(
        merchant=merchant, name="CRM", endpoint=source.base + "/x.json", auth="bearer", credentials="tok-PLAIN-42"
    )


def test_the_database_holds_a_token_not_the_secret(connector):
    raw = raw_credentials(connector)
    assert raw and "tok-PLAIN-42" not in raw and raw.startswith("gAAAAA")  # a Fernet token
    assert fetching.auth_headers(connector) == {"Authorization": "Bearer tok-PLAIN-42"}


def test_an_old_key_still_decrypts_and_rotation_moves_to_the_new_one(connector, settings):
    old_key = settings.CONNECTOR_KEYS[0]
    before = raw_credentials(connector)
    settings.CONNECTOR_KEYS = [NEW_KEY, old_key]
    connector.refresh_from_db()
    assert crypto.decrypt(connector.credentials) == "tok-PLAIN-42"  # still made with the old key
    call_command("connector_keys_rotate", stdout=open("/dev/null", "w"))
    after = raw_credentials(connector)
    assert after != before
    settings.CONNECTOR_KEYS = [NEW_KEY]  # the old key removed
    assert crypto.decrypt(after) == "tok-PLAIN-42"
    settings.CONNECTOR_KEYS = [old_key]
    with pytest.raises(crypto.CredentialsUnreadable):
        crypto.decrypt(after)


def test_rotation_without_the_old_key_reports_what_it_cannot_read(connector, settings):
    settings.CONNECTOR_KEYS = [NEW_KEY]
    assert services.keys_rotate() == {"reencrypted": 0, "unreadable": [connector.pk]}
    with pytest.raises(CommandError, match="keep the key"):
        call_command("connector_keys_rotate", stdout=open("/dev/null", "w"))
    assert raw_credentials(connector).startswith("gAAAAA")  # left as it was


def test_a_run_with_unreadable_credentials_fails_with_its_code(connector, settings, on_commit):
    settings.CONNECTOR_KEYS = [NEW_KEY]
    run = on_commit(services.connector_run, connector_id=connector.pk)
    assert (run.status, run.error_code) == ("failed", "credentials_unreadable")


def test_no_keys_means_no_credentials_can_be_stored(merchant, source, settings):
    settings.CONNECTOR_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        services.connector_create(merchant=merchant, name="X", endpoint=source.base + "/x", credentials="t")
    settings.CONNECTOR_KEYS = ["not a key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("t")


def test_changing_credentials_replaces_the_token(connector):
    before = raw_credentials(connector)
    services.connector_update(connector=connector, credentials="tok-NEW")
    after = raw_credentials(connector)
    assert after != before and crypto.decrypt(after) == "tok-NEW"
    services.connector_update(connector=connector, interval_minutes=30)
    assert raw_credentials(connector) == after  # other changes leave it alone
    services.connector_update(connector=connector, credentials="")
    assert raw_credentials(connector) == ""
