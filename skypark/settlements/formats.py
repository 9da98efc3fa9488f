"""The settlement report formats, one per provider: how a provider's daily CSV is read.

Each format turns the file into ``Row(line_number, reference, gross, fee, net, currency)``;
a row it cannot read raises ``FormatError`` naming the line, and nothing is imported.

``mbank`` — semicolon-separated, UTF-8 (a BOM is allowed), decimal comma, one header row::

    Дата;Номер платежа;Сумма;Комиссия;К перечислению;Валюта
    05.12.2026;mbank-1042-9f3a1c2b;1580,00;23,70;1556,30;KGS

``omoney`` — comma-separated, decimal point::

    txn_date,merchant_ref,amount,fee,net,currency
    2026-12-05,omoney-1043-77aa01bc,790.00,15.80,774.20,KGS

``elcard`` — comma-separated, ISO 4217 numeric currency, the shop's reference in ORDER_ID::

    TRAN_DATE,RRN,ORDER_ID,AMOUNT,FEE,SETTLED,CCY
    20261205,634012345678,elcard-1044-0c1d2e3f,1580.00,31.60,1548.40,417

``elqr`` — the acquiring bank's ELQR report, semicolon-separated, in som::

    date;payment_reference;bill_number;gross;commission;net
    05.12.2026;elqr-1045-5a6b7c8d;SP-7K2M9Q4X;790.00;5.53;784.47
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import DomainError

NUMERIC_CURRENCIES = {"417": "KGS", "840": "USD", "978": "EUR", "643": "RUB", "398": "KZT"}


class FormatError(DomainError):
    code = "settlement_format"
    default_message = _("The file is not in this provider's settlement format.")


@dataclass(frozen=True)
class Row:
    line_number: int
    reference: str
    gross: Decimal
    fee: Decimal
    net: Decimal
    currency: str


@dataclass(frozen=True)
class Format:
    delimiter: str
    header: tuple
    reference: str
    gross: str
    fee: str
    net: str
    currency: str = ""
    decimal_comma: bool = False
    numeric_currency: bool = False
    default_currency: str = "KGS"


FORMATS = {
    "mbank": Format(
        ";",
        ("Дата", "Номер платежа", "Сумма", "Комиссия", "К перечислению", "Валюта"),
        "Номер платежа",
        "Сумма",
        "Комиссия",
        "К перечислению",
        "Валюта",
        decimal_comma=True,
    ),
    "omoney": Format(
        ",",
        ("txn_date", "merchant_ref", "amount", "fee", "net", "currency"),
        "merchant_ref",
        "amount",
        "fee",
        "net",
        "currency",
    ),
    "elcard": Format(
        ",",
        ("TRAN_DATE", "RRN", "ORDER_ID", "AMOUNT", "FEE", "SETTLED", "CCY"),
        "ORDER_ID",
        "AMOUNT",
        "FEE",
        "SETTLED",
        "CCY",
        numeric_currency=True,
    ),
    "elqr": Format(
        ";",
        ("date", "payment_reference", "bill_number", "gross", "commission", "net"),
        "payment_reference",
        "gross",
        "commission",
        "net",
    ),
}


def _amount(text, fmt, line, column):
    value = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if fmt.decimal_comma:
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise FormatError(details={"line": line, "column": column})
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) or abs(amount) > Decimal("9999999999.99"):
        raise FormatError(details={"line": line, "column": column})
    return amount.quantize(Decimal("0.01"))


def read(provider: str, content: bytes) -> list[Row]:
    fmt = FORMATS.get(provider)
    if fmt is None:
        raise FormatError(details={"provider": provider})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(details={"line": 1})
    reader = csv.reader(io.StringIO(text), delimiter=fmt.delimiter)
    try:
        header = tuple(cell.strip() for cell in next(reader))
    except StopIteration:
        raise FormatError(details={"line": 1})
    if header != fmt.header:
        raise FormatError(details={"line": 1, "expected": list(fmt.header)})
    columns = {name: index for index, name in enumerate(header)}
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise FormatError(details={"line": number})
        values = {name: cells[index].strip() for name, index in columns.items()}
        cell = values.__getitem__
        currency = cell(fmt.currency).upper() if fmt.currency else fmt.default_currency
        if fmt.numeric_currency:
            currency = NUMERIC_CURRENCIES.get(currency, currency)
        rows.append(
            Row(
                line_number=number,
                reference=cell(fmt.reference)[:100],
                gross=_amount(cell(fmt.gross), fmt, number, fmt.gross),
                fee=_amount(cell(fmt.fee), fmt, number, fmt.fee),
                net=_amount(cell(fmt.net), fmt, number, fmt.net),
                currency=currency[:3],
            )
        )
    return rows
