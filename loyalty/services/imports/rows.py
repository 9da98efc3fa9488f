"""A batch's rows checked in Python before anything is written: each row becomes the
values of one sale, or the ``RowError`` to report for it."""

import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from skypark.accounts.models import User

from ..partner import _money
from . import sql

MAX_AMOUNT = Decimal("1e10")
MAX_QUANTITY = Decimal("1e7")
CENT = Decimal("0.01")
# What the import reads of a customer; any other field is loaded if something asks.
CUSTOMER_FIELDS = ("id", "customer_code", "phone", "name")


class RowError(Exception):
    def __init__(self, code, message):
        self.code, self.message = code, message


def row_error(index, exc) -> dict:
    """A row's entry in the batch's ``errors``."""
    return {"row": index, "code": exc.code, "message": str(exc.message)}


def rows_parse(rows, indexes) -> dict:
    """``{index: parsed row or RowError}`` for the rows at ``indexes``, their customers
    found in two queries for all of them."""
    keys, parsed = {}, {}
    for index in indexes:
        try:
            keys[index] = _row_key(rows[index])
        except RowError as exc:
            parsed[index] = exc
    by_code, by_phone = _customers_for(keys.values())
    for index, key in keys.items():
        try:
            parsed[index] = _row_parse(rows[index], key, by_code=by_code, by_phone=by_phone)
        except RowError as exc:
            parsed[index] = exc
    return parsed


def _row_key(row):
    """The row's external id and how it names its customer, checked before any query."""
    if not isinstance(row, dict):
        raise RowError("invalid_row", _("A row must be an object."))
    external_id = str(row.get("external_id") or "").strip()
    if not external_id or len(external_id) > 100:
        raise RowError("invalid_external_id", _("external_id is required (at most 100 characters)."))
    code = str(row.get("customer_code") or "").strip().upper()
    phone = str(row.get("phone") or "").strip()
    return external_id, code, phone


def _customers_for(keys) -> tuple[dict, dict]:
    """Customers by code and by phone, in two queries for the whole batch."""
    codes = {code for _eid, code, _phone in keys if code}
    phones = {phone for _eid, code, phone in keys if not code and phone}
    by_code, by_phone = {}, {}
    if codes:
        found = User.objects.filter(customer_code__in=sql.one_of(User._meta.get_field("customer_code"), codes))
        for user in found.only(*CUSTOMER_FIELDS):
            by_code.setdefault(user.customer_code, user)
    if phones:
        found = User.objects.filter(phone__in=sql.one_of(User._meta.get_field("phone"), phones))
        for user in found.only(*CUSTOMER_FIELDS):
            by_phone.setdefault(user.phone, user)
    return by_code, by_phone


def _line_parse(line) -> dict:
    try:
        quantity = Decimal(str(line.get("quantity", 1)))
        unit_price = _money(line.get("unit_price", 0))
    except (InvalidOperation, ValueError):
        raise RowError("invalid_lines", _("A line's quantity and unit_price must be numbers."))
    if not quantity.is_finite() or not unit_price.is_finite() or quantity <= 0 or unit_price < 0:
        raise RowError("invalid_lines", _("A line's quantity must be positive and its unit_price not negative."))
    total = _money(quantity * unit_price)
    if quantity >= MAX_QUANTITY or total >= MAX_AMOUNT:
        raise RowError("invalid_lines", _("A line's quantity or total is too large."))
    return {
        "sku": str(line.get("sku", ""))[:64],
        "name": str(line.get("name", ""))[:255],
        "quantity": quantity,
        "unit_price": unit_price,
        "total": total,
    }


def _row_parse(row, key, *, by_code, by_phone) -> dict:
    external_id, code, phone = key
    customer = None
    if code:
        customer = by_code.get(code)
    elif phone:
        customer = by_phone.get(phone)
    if customer is None:
        raise RowError("customer_not_found", _("No customer with this customer_code or phone."))
    try:
        amount = Decimal(str(row.get("amount")))
    except (InvalidOperation, ValueError):
        raise RowError("invalid_amount", _("amount must be a number."))
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT) or amount >= MAX_AMOUNT:
        raise RowError("invalid_amount", _("amount must be a non-negative number with at most 2 decimals."))
    occurred_at = None
    if row.get("occurred_at"):
        try:
            occurred_at = parse_datetime(str(row["occurred_at"]))
        except ValueError:  # well formed, but not a date (e.g. month 13)
            occurred_at = None
        if occurred_at is None:
            raise RowError("invalid_occurred_at", _("occurred_at must be an ISO 8601 date and time."))
        if timezone.is_naive(occurred_at):
            occurred_at = timezone.make_aware(occurred_at)
        if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
            raise RowError("invalid_occurred_at", _("occurred_at is in the future."))
    lines = row.get("lines") or []
    if not isinstance(lines, list) or not all(isinstance(line, dict) and line.get("name") for line in lines):
        raise RowError("invalid_lines", _("lines must be a list of objects with a name."))
    return {
        "external_id": external_id,
        "customer": customer,
        "amount": amount.quantize(CENT),
        "occurred_at": occurred_at,
        "lines": [_line_parse(line) for line in lines],
    }
