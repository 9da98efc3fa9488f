"""The customer's card at the till: the rotating code it shows, how a partner's input is
checked, the scan log every lookup and redemption writes, and the fraud rules reading it.

The card shows a code derived from the customer's card secret and the current time step
(``loyalty.card_codes``): valid for its step and ``loyalty.card_code_grace_steps`` steps
after it (a phone that went offline keeps a usable code for a few minutes), never before
its step. The QR carries the same code signed by the server (``skypark.commerce.qr``).
The bare customer code (and the old never-expiring QR) is "static": a partner may use it
only when its staff typed it by hand (``entry="manual"``); such entries are logged and
counted by the manual-entry rule.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from skypark.accounts.models import User
from skypark.audit.services import audit_log
from skypark.commerce import qr
from skypark.config.selectors import get_int
from skypark.core.references import normalise_code

from .. import card_codes, inserts
from ..errors import CardCodeExpired, CardCodeInvalid, CustomerNotFound, StaticCodeNeedsManualEntry
from ..models import Card, FraudFlag, ScanLog

CARD_KIND = "card"
Kind = ScanLog.CodeKind
# How far back a failing code is compared, only to tell "expired" from "forged".
EXPIRED_LOOKBACK = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class CardCode:
    typed: str
    payload: str
    valid_until: datetime.datetime
    refresh_at: datetime.datetime

    @property
    def refresh_seconds(self) -> int:
        return max(1, int((self.refresh_at - timezone.now()).total_seconds()) + 1)


@dataclass(frozen=True)
class CardCheck:
    kind: str
    customer: object | None


def customer_with_card(code: str):
    """The active customer with this (normalised) code, with ``card_secret`` (or None
    when no card was made yet), in one query; None when there is no such customer."""
    found = User.objects.raw(
        'SELECT u.*, c."secret" AS card_secret FROM "accounts_user" u '
        'LEFT JOIN "loyalty_card" c ON c."customer_id" = u."id" '
        'WHERE u."customer_code" = %s AND u."is_active"',
        [code],
    )
    return next(iter(found), None)


def _step_seconds() -> int:
    return get_int("loyalty.card_code_step_seconds")


def card_get(customer) -> Card:
    """The customer's card, made on first use (existing customers got one by migration)."""
    card, _created = Card.objects.get_or_create(customer=customer)
    return card


def card_secret_rotate(*, customer, actor=None) -> Card:
    """A new secret: every code shown so far stops working (a lost phone)."""
    with transaction.atomic():
        card = card_get(customer)
        card.secret = Card._meta.get_field("secret").default()
        card.rotated_at = timezone.now()
        card.save(update_fields=["secret", "rotated_at"])
        audit_log(actor=actor, action="loyalty.card.secret_rotated", obj=card)
    return card


def card_code_for(customer, *, now=None) -> CardCode:
    """The code the card shows now: typed form, signed QR payload, until when it is
    accepted and when the next one starts."""
    now = now or timezone.now()
    seconds = _step_seconds()
    step = card_codes.step_at(now.timestamp(), seconds)
    typed = card_codes.typed(customer.customer_code, card_codes.otp(card_get(customer).secret, step))
    start = datetime.datetime.fromtimestamp(step * seconds, tz=datetime.UTC)
    return CardCode(
        typed=typed,
        payload=qr.code_issue(CARD_KIND, typed, now=start),
        valid_until=start + datetime.timedelta(seconds=seconds * (1 + get_int("loyalty.card_code_grace_steps"))),
        refresh_at=start + datetime.timedelta(seconds=seconds),
    )


def _rotating_kind(secret: str, code: str, *, now) -> str:
    seconds = _step_seconds()
    step = card_codes.step_at(now.timestamp(), seconds)
    grace = get_int("loyalty.card_code_grace_steps")
    oldest = step - grace
    for candidate in range(step, oldest - 1, -1):
        if card_codes.hmac.compare_digest(card_codes.otp(secret, candidate), code):
            return Kind.ROTATING
    lookback = int(EXPIRED_LOOKBACK.total_seconds()) // seconds
    for candidate in range(oldest - 1, step - lookback - 1, -1):
        if card_codes.hmac.compare_digest(card_codes.otp(secret, candidate), code):
            return Kind.EXPIRED
    return Kind.FORGED


def card_code_verify(value: str, *, now=None) -> CardCheck:
    """Which kind of code ``value`` is — ``rotating`` (valid now), ``static`` (the bare
    customer code or the old QR), ``expired`` or ``forged`` — and the customer it names
    (None when no active customer has that code). One query at most."""
    now = now or timezone.now()
    value = (value or "").strip()
    if "." in value:
        try:
            read = qr.code_read(value, kind=CARD_KIND)
        except (qr.ForgedCode, qr.CodeExpired):
            return CardCheck(Kind.FORGED, None)
        value = read.object_id
    normalised = normalise_code(value)
    parts = card_codes.split_typed(normalised)
    if parts is None:
        customer = customer_with_card(normalised) if normalised else None
        return CardCheck(Kind.STATIC, customer)
    customer = customer_with_card(parts[0])
    if customer is None or not customer.card_secret:
        return CardCheck(Kind.FORGED, customer)
    return CardCheck(_rotating_kind(customer.card_secret, parts[1], now=now), customer)


def card_customer(
    *,
    merchant,
    code: str,
    entry: str = ScanLog.Entry.SCAN,
    action: str = ScanLog.Action.LOOKUP,
    ip_address=None,
    user_agent: str = "",
    now=None,
    test=False,
):
    """The customer behind a card code a partner sent, after writing the scan log row
    (merchant, customer when known, kind of code, entry, action, result) and running the
    fraud rules. A test key's call (``test``) is logged flagged and runs no fraud rule:
    it can neither earn nor spend anything. Refuses with ``CardCodeExpired``, ``CardCodeInvalid``,
    ``StaticCodeNeedsManualEntry`` or ``CustomerNotFound`` — the row is written first."""
    now = now or timezone.now()
    check = card_code_verify(code, now=now)
    manual = entry == ScanLog.Entry.MANUAL
    customer = check.customer
    if check.kind == Kind.FORGED:
        result, error = ScanLog.Result.FORGED, CardCodeInvalid()
    elif check.kind == Kind.EXPIRED:
        result, error = ScanLog.Result.EXPIRED, CardCodeExpired()
    elif check.kind == Kind.STATIC and not manual:
        result, error = ScanLog.Result.REFUSED, StaticCodeNeedsManualEntry()
    elif customer is None:
        result, error = ScanLog.Result.UNKNOWN, CustomerNotFound(details={"result": "unknown"})
    else:
        result, error = ScanLog.Result.FOUND, None
    row = ScanLog(
        merchant=merchant,
        customer=customer,
        payload=(code or "")[:200],
        result=result,
        code_kind=check.kind,
        entry=ScanLog.Entry.MANUAL if manual else ScanLog.Entry.SCAN,
        action=action,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:255],
        is_test=test,
    )
    checked = error is None and not test
    # One statement on its own: the row stays even when what follows (the sale) fails.
    merchants = _scan_log_write(row, burst_since=_burst_since(now) if checked else None)
    if checked:
        fraud_check_scans(customer=customer, now=now, merchants=merchants)
        if check.kind == Kind.STATIC:
            fraud_check_manual_entries(customer=customer, now=now)
    if error is not None:
        raise error
    return customer


def customer_scan(*, merchant, payload: str, entry: str = ScanLog.Entry.SCAN, ip_address=None, user_agent="", now=None):
    """A lookup: ``card_customer`` with ``action="lookup"``."""
    return card_customer(
        merchant=merchant, code=payload, entry=entry, ip_address=ip_address, user_agent=user_agent, now=now
    )


def _flag(*, customer, rule: str, window_key: str, details: dict) -> FraudFlag | None:
    try:
        with transaction.atomic():
            flag, created = FraudFlag.objects.get_or_create(
                customer=customer, rule=rule, window_key=window_key, defaults={"details": details}
            )
    except IntegrityError:
        return None
    if created:
        audit_log(actor=None, action="loyalty.fraud.flagged", obj=flag, data=flag.details)
    return flag


def _burst_since(now):
    return now - datetime.timedelta(minutes=get_int("loyalty.fraud_window_minutes"))


# The scan row and, in the same statement, the merchants where the card was accepted in
# the burst rule's window: the row just inserted is not visible to the SELECT (one
# snapshot), so its merchant joins the answer from the INSERT's RETURNING.
_SCAN_AND_BURST = """
    WITH s AS (INSERT INTO "{table}" ({columns}) VALUES ({values}) RETURNING "id", "merchant_id")
    SELECT "id", "merchant_id" FROM s
    UNION ALL
    SELECT DISTINCT NULL::bigint, "merchant_id" FROM "{table}"
    WHERE "customer_id" = %s AND "created_at" >= %s AND "result" = %s AND NOT "is_test"
"""


def _scan_log_write(row: ScanLog, *, burst_since=None) -> list | None:
    """Inserts ``row``. With ``burst_since`` (a found card, live): returns the sorted
    merchants where the customer's card was accepted since then, this scan included, in
    the same statement on PostgreSQL."""
    if burst_since is None or connection.vendor != "postgresql":
        row.save(force_insert=True)
        return None
    fields = inserts.insert_fields(ScanLog)
    sql = _SCAN_AND_BURST.format(
        table=ScanLog._meta.db_table, columns=inserts.columns(fields), values=inserts.placeholders(fields)
    )
    params = inserts.row_params(row, fields) + [
        row.customer_id,
        connection.ops.adapt_datetimefield_value(burst_since),
        ScanLog.Result.FOUND,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    inserts.saved(row, next(pk for pk, _merchant in found if pk is not None))
    return sorted({merchant for _pk, merchant in found})


def fraud_check_scans(*, customer, now=None, merchants=None) -> FraudFlag | None:
    """The burst rule: the same card accepted at ``loyalty.fraud_merchants`` or more
    different merchants within ``loyalty.fraud_window_minutes`` raises one flag per
    window for staff review (a unique constraint keeps it to one). ``merchants``: those
    merchants, when the caller has read them with the scan (``_scan_log_write``)."""
    now = now or timezone.now()
    minutes = get_int("loyalty.fraud_window_minutes")
    limit = get_int("loyalty.fraud_merchants")
    if merchants is None:
        merchants = sorted(
            set(
                ScanLog.objects.filter(
                    customer=customer, created_at__gte=_burst_since(now), result=ScanLog.Result.FOUND, is_test=False
                ).values_list("merchant_id", flat=True)
            )
        )
    if len(merchants) < limit:
        return None
    window = int(now.timestamp()) // (minutes * 60)
    return _flag(
        customer=customer,
        rule="scan_burst",
        window_key=str(window),
        details={"merchants": merchants, "minutes": minutes},
    )


def fraud_check_manual_entries(*, customer, now=None) -> FraudFlag | None:
    """The manual-entry rule: more than ``loyalty.fraud_manual_entries`` static codes
    typed by hand for one customer, at any merchants, within
    ``loyalty.fraud_manual_window_minutes`` raise one flag per window."""
    now = now or timezone.now()
    minutes = get_int("loyalty.fraud_manual_window_minutes")
    allowed = get_int("loyalty.fraud_manual_entries")
    rows = list(
        ScanLog.objects.filter(
            customer=customer,
            created_at__gte=now - datetime.timedelta(minutes=minutes),
            result=ScanLog.Result.FOUND,
            code_kind=Kind.STATIC,
            entry=ScanLog.Entry.MANUAL,
            is_test=False,
        ).values_list("merchant_id", flat=True)
    )
    if len(rows) <= allowed:
        return None
    window = int(now.timestamp()) // (minutes * 60)
    return _flag(
        customer=customer,
        rule="manual_entry",
        window_key=str(window),
        details={"entries": len(rows), "merchants": sorted(set(rows)), "minutes": minutes},
    )
