"""Reading a connector's source: one GET through the core's SSRF-safe client
(``skypark.webhooks.transport.get``), the body parsed as JSON or CSV, each record mapped
to the import's row fields. Pure functions of the connector and the answer; nothing is
written here."""

import base64
import csv
import io
import json

from django.utils.translation import gettext as _

from skypark.webhooks import transport

from . import crypto
from .models import Connector

TIMEOUT_SECONDS = 30
MAX_FETCH_BYTES = 20 * 1024 * 1024
MAX_ROWS = 10_000  # the import's batch limit (loyalty.services.imports.MAX_ROWS)


class FetchFailed(Exception):
    """The source gave nothing importable; ``code`` and ``message`` go on the run."""

    def __init__(self, code, message, *, http_status=None):
        super().__init__(message)
        self.code, self.message, self.http_status = code, message, http_status


def auth_headers(connector: Connector) -> dict:
    secret = crypto.decrypt(connector.credentials)
    if connector.auth == Connector.Auth.BEARER and secret:
        return {"Authorization": f"Bearer {secret}"}
    if connector.auth == Connector.Auth.BASIC and secret:
        return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
    if connector.auth == Connector.Auth.HEADER and secret:
        return {connector.auth_header: secret}
    return {}


def fetch(connector: Connector) -> tuple[list[dict], transport.Answer]:
    """The source's records mapped to row fields, and the HTTP answer they came in.
    Raises ``FetchFailed``."""
    try:
        headers = auth_headers(connector)
    except crypto.CredentialsUnreadable:
        raise FetchFailed(
            "credentials_unreadable", _("The stored credentials cannot be decrypted with the current keys.")
        )
    accept = "application/json" if connector.format == Connector.Format.JSON else "text/csv"
    answer = transport.get(
        connector.endpoint,
        headers={**headers, "Accept": accept, "User-Agent": "SkyPark-Connector/1"},
        timeout=TIMEOUT_SECONDS,
        max_bytes=MAX_FETCH_BYTES,
    )
    if answer.refused:
        raise FetchFailed("unsafe_url", answer.error.removeprefix("refused: "))
    if not answer.ok or answer.error:
        raise FetchFailed(
            "fetch_failed", _("The source answered: %(error)s.") % {"error": answer.error}, http_status=answer.status
        )
    if connector.format == Connector.Format.JSON:
        records = json_records(answer.body, connector.records_path)
    else:
        records = csv_records(answer.body)
    if len(records) > MAX_ROWS:
        raise FetchFailed(
            "too_many_rows", _("The source lists more than %(n)s records.") % {"n": MAX_ROWS}, http_status=answer.status
        )
    return [record_map(record, connector) for record in records], answer


def json_records(body: bytes, records_path: str) -> list:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise FetchFailed("invalid_json", _("The source's answer is not JSON."))
    for key in [k for k in records_path.split(".") if k]:
        if not isinstance(data, dict) or key not in data:
            raise FetchFailed("no_records", _("The answer has nothing at %(path)s.") % {"path": records_path})
        data = data[key]
    if not isinstance(data, list):
        raise FetchFailed("no_records", _("The records must be a JSON list."))
    return data


def csv_records(body: bytes) -> list[dict]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FetchFailed("invalid_csv", _("The CSV is not UTF-8 text."))
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        return [{k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str) and k} for row in reader]
    except csv.Error as exc:
        raise FetchFailed("invalid_csv", _("The CSV cannot be read: %(error)s.") % {"error": exc})


def _at(record, path: str):
    value = record
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _clean(value):
    """NUL characters dropped (PostgreSQL stores no NUL in text or JSON); everything else is
    left to the import's row checks."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def record_map(record, connector: Connector):
    """One source record as an import row: each allowed field read from the key the
    mapping names (its own name otherwise). A record that is not an object is passed on as
    it is, for the import to report as a bad row."""
    if not isinstance(record, dict):
        return _clean(record)
    mapping = connector.field_mapping or {}
    row = {}
    for field in connector.allowed_fields:
        value = _at(record, mapping.get(field, field))
        if value is not None and value != "":
            row[field] = _clean(value)
    return row
