"""Writes for CRM connectors: configuring one, running it, running the due ones, and
re-encrypting credentials after a key rotation.

A run (``connector_run``) fetches outside any transaction (the source may take up to
``fetching.TIMEOUT_SECONDS``), then hands the rows to the loyalty import in one
transaction: transactions become an ``ImportBatch`` (imported after commit, idempotent
by external id, with its per-row report), customers are matched or enrolled by phone
(``customers_import``). One run per connector at a time: the connector row is locked
while a run is claimed, and a run still going is returned instead of starting another.
"""

import datetime

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import Account
from loyalty.services.imports import import_batch_create
from skypark.accounts.models import User
from skypark.accounts.phones import normalise_phone
from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

from . import crypto, fetching
from .models import Connector, ConnectorRun

# A run that has not finished after this long is taken to have died (its worker killed).
RUN_LEASE = datetime.timedelta(minutes=30)
MAX_CREDENTIALS_LENGTH = 2000
EDITABLE = (
    "name",
    "feed",
    "format",
    "endpoint",
    "records_path",
    "auth",
    "auth_header",
    "field_mapping",
    "interval_minutes",
    "is_active",
)


class InvalidConnector(DomainError):
    code = "invalid_connector"
    default_message = _("The connector's settings are not valid.")


def _validated(connector: Connector):
    try:
        connector.full_clean()
    except ValidationError as exc:
        raise InvalidConnector(details=exc.message_dict)


def _credentials_token(credentials: str) -> str:
    if len(credentials) > MAX_CREDENTIALS_LENGTH or "\x00" in credentials:
        raise InvalidConnector(details={"credentials": [_("At most 2000 characters of text.")]})
    return crypto.encrypt(credentials)


@transaction.atomic
def connector_create(*, merchant, actor=None, credentials: str = "", **fields) -> Connector:
    """A new connector of ``merchant``, its credentials encrypted; the first run is due
    at once. Checks the endpoint against the SSRF rules (``InvalidConnector``)."""
    connector = Connector(merchant=merchant, **{k: v for k, v in fields.items() if k in EDITABLE})
    connector.credentials = _credentials_token(credentials)
    connector.next_run_at = timezone.now()
    _validated(connector)
    connector.save()
    audit_log(actor=actor, action="connectors.connector.created", obj=connector)
    return connector


@transaction.atomic
def connector_update(*, connector: Connector, actor=None, credentials: str | None = None, **changes) -> Connector:
    """Changes the connector's settings; ``credentials`` replaces the stored ones when
    given ("" removes them)."""
    connector = Connector.objects.select_for_update().get(pk=connector.pk)
    for field, value in changes.items():
        if field in EDITABLE:
            setattr(connector, field, value)
    if credentials is not None:
        connector.credentials = _credentials_token(credentials)
    _validated(connector)
    connector.save()
    audit_log(
        actor=actor,
        action="connectors.connector.changed",
        obj=connector,
        data={"fields": sorted(set(changes) & set(EDITABLE)), "credentials": credentials is not None},
    )
    return connector


def _claim(connector_id, *, trigger, actor, now) -> tuple[ConnectorRun, bool]:
    """The run to do: a new one, or (``False``) the one still going."""
    with transaction.atomic():
        connector = Connector.objects.select_for_update().select_related("merchant").get(pk=connector_id)
        going = connector.runs.filter(status=ConnectorRun.Status.RUNNING, started_at__gt=now - RUN_LEASE).first()
        if going is not None:
            return going, False
        connector.runs.filter(status=ConnectorRun.Status.RUNNING).update(
            status=ConnectorRun.Status.FAILED,
            finished_at=now,
            error_code="abandoned",
            error=_("The run never finished."),
        )
        run = ConnectorRun.objects.create(
            connector=connector,
            merchant_id=connector.merchant_id,
            trigger=trigger,
            started_by=actor if getattr(actor, "pk", None) else None,
        )
        Connector.objects.filter(pk=connector.pk).update(
            last_run_at=now, next_run_at=now + datetime.timedelta(minutes=connector.interval_minutes)
        )
        run.connector = connector
        return run, True


def connector_run(*, connector_id: int, trigger=ConnectorRun.Trigger.SCHEDULE, actor=None, now=None) -> ConnectorRun:
    """Fetches the connector's source and imports what it lists; returns the run (failed
    with a code and message when the source gave nothing importable). Safe to call twice:
    a second call while a run is going returns that run; a second run later imports
    nothing new (rows are duplicates by external id, customers by phone)."""
    now = now or timezone.now()
    run, fresh = _claim(connector_id, trigger=trigger, actor=actor, now=now)
    if not fresh:
        return run
    connector = run.connector
    try:
        rows, answer = fetching.fetch(connector)
    except fetching.FetchFailed as exc:
        return _finish_failed(run, exc.code, exc.message, http_status=exc.http_status, actor=actor)
    except Exception:
        _finish_failed(run, "internal_error", _("The run stopped on an unexpected error."), actor=actor)
        raise
    with transaction.atomic():
        run.http_status = answer.status
        run.fetched_bytes = len(answer.body)
        run.fetched_rows = len(rows)
        if connector.feed == Connector.Feed.TRANSACTIONS:
            if rows:
                run.batch = import_batch_create(
                    merchant=connector.merchant,
                    rows=rows,
                    source="connector",
                    actor=actor or f"connector:{connector.pk}",
                )
        else:
            report = customers_import(merchant=connector.merchant, rows=rows)
            run.created_count, run.duplicate_count = report["created"], report["duplicate"]
            run.error_count, run.row_errors = len(report["errors"]), report["errors"]
        run.status = ConnectorRun.Status.DONE
        run.finished_at = timezone.now()
        run.save()
        audit_log(
            actor=actor or f"connector:{connector.pk}",
            action="connectors.run.finished",
            obj=run,
            data={"rows": run.fetched_rows, "batch": run.batch_id},
        )
    return run


def _finish_failed(run, code, message, *, http_status=None, actor=None) -> ConnectorRun:
    with transaction.atomic():
        run.status = ConnectorRun.Status.FAILED
        run.error_code, run.error = code, str(message)[:2000]
        run.http_status = http_status
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error_code", "error", "http_status", "finished_at"])
        audit_log(
            actor=actor or f"connector:{run.connector_id}",
            action="connectors.run.failed",
            obj=run,
            data={"code": code},
        )
    return run


def connectors_due(*, now=None, limit=200) -> list[int]:
    """Claims the active connectors whose next run is due, each by moving its next run
    on with a conditional UPDATE, so two beats at once do not both run one; returns
    their ids."""
    now = now or timezone.now()
    claimed = []
    due = Connector.objects.filter(Q(next_run_at__lte=now) | Q(next_run_at__isnull=True), is_active=True)
    for pk, interval, next_run_at in due.values_list("pk", "interval_minutes", "next_run_at")[:limit]:
        moved = Connector.objects.filter(pk=pk, next_run_at=next_run_at).update(
            next_run_at=now + datetime.timedelta(minutes=interval)
        )
        if moved:
            claimed.append(pk)
    return claimed


def _row_error(index, code, message) -> dict:
    return {"row": index, "code": code, "message": str(message)}


def customers_import(*, merchant, rows) -> dict:
    """Matches each row's customer by phone, or enrols a new customer (no password, no
    welcome message: the partner's CRM is not the customer signing up), and opens their
    account with ``merchant`` so the merchant sees them. Each row on its own savepoint;
    a bad row is reported (index, code, message), never half-written. Idempotent: a row
    whose phone is known is counted as a duplicate."""
    report = {"created": 0, "duplicate": 0, "errors": []}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            report["errors"].append(_row_error(index, "invalid_row", _("A row must be an object.")))
            continue
        try:
            phone = normalise_phone(str(row.get("phone") or "")[:40])
        except ValidationError as exc:
            report["errors"].append(_row_error(index, "invalid_phone", exc.messages[0]))
            continue
        name = str(row.get("name") or "").strip()
        if len(name) > 255:
            report["errors"].append(_row_error(index, "invalid_name", _("name has at most 255 characters.")))
            continue
        email = str(row.get("email") or "").strip() or None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                report["errors"].append(_row_error(index, "invalid_email", _("email is not a valid e-mail address.")))
                continue
        with transaction.atomic():
            customer = User.objects.filter(phone=phone).first()
            if customer is not None:
                report["duplicate"] += 1
            else:
                if email and User.objects.filter(email__iexact=email).exists():
                    email = None  # another customer's address: enrol without it
                customer = User(phone=phone, name=name, email=email, password=make_password(None))
                customer.save()
                report["created"] += 1
            Account.objects.bulk_create([Account(customer=customer, merchant=merchant)], ignore_conflicts=True)
    return report


def keys_rotate(*, batch_size=500) -> dict:
    """Re-encrypts every stored credential with the first of ``CONNECTOR_KEYS``; returns
    how many were re-encrypted and the ids none of the keys decrypts (left as they are).
    Safe to run again (a token already under the first key is simply re-encrypted)."""
    done, unreadable = 0, []
    ids = list(Connector.objects.exclude(credentials="").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            for connector in Connector.objects.select_for_update().filter(pk__in=ids[start : start + batch_size]):
                try:
                    token = crypto.rotate(connector.credentials)
                except crypto.CredentialsUnreadable:
                    unreadable.append(connector.pk)
                    continue
                Connector.objects.filter(pk=connector.pk).update(credentials=token)
                done += 1
    audit_log(actor=None, action="connectors.keys.rotated", data={"reencrypted": done, "unreadable": unreadable})
    return {"reencrypted": done, "unreadable": unreadable}
