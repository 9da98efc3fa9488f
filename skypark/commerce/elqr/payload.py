"""Building ELQR codes: EMVCo merchant-presented QR payloads for the Kyrgyz Republic.

The format is EMVCo's *EMV QR Code Specification for Payment Systems: Merchant-Presented
Mode* (EMV QRCPS-MPM, v1.0 July 2017, v1.1 November 2020; published by EMVCo at
https://www.emvco.com/emv-technologies/qrcodes/, summarised in EMVCo's talk
https://www.w3.org/2020/Talks/emvco-qr-20201021.pdf). ELQR is the National Bank of the
Kyrgyz Republic's scheme on top of it, run by the Interbank Processing Center (the Elcard
operator): an acquiring bank issues the merchant's account template and confirms the
payment; the payer's bank app reads the code. What the payload holds, in order:

====  =========================================  ===========================================
ID    data object                                here
====  =========================================  ===========================================
00    Payload Format Indicator                   ``01``
01    Point of Initiation Method                 ``11`` static (per park/till, the payer
                                                 types the amount), ``12`` dynamic (one
                                                 order, amount included)
26–51 Merchant Account Information template      ID from ``ELQR_TEMPLATE_ID`` (issued by the
                                                 operator); sub-ID 00 the scheme's globally
                                                 unique identifier ``ELQR_GUID``, 01 the
                                                 merchant account ``ELQR_MERCHANT_ACCOUNT``
52    Merchant Category Code                     ``ELQR_MCC`` (7996, amusement parks)
53    Transaction Currency (ISO 4217 numeric)    ``417`` (som)
54    Transaction Amount                         dynamic codes only, ``1250.00``
58    Country Code (ISO 3166-1 alpha-2)          ``KG``
59    Merchant Name (≤ 25)                       ``ELQR_MERCHANT_NAME``
60    Merchant City (≤ 15)                       ``ELQR_MERCHANT_CITY``
62    Additional Data Field template             01 bill number (order reference), 05
                                                 reference label (the payment's reference),
                                                 07 terminal label (park/till)
63    CRC                                        CRC-16/CCITT-FALSE over everything before
                                                 it *including* the ``6304`` that opens it
====  =========================================  ===========================================

Every data object is ``ID`` (two digits) ``length`` (two digits, in characters) ``value``.
The CRC and its placement were checked against payloads printed with their CRC by third
parties (``tests/test_elqr.py``): the README of github.com/phannaly/emv-qr-code
(``…6304 1FF2``, ``…6304 A0BA``), Mastercard's developer page on merchant QR codes
(``…6304 6F6D``) and the npm package ``emvqr`` (``…6304 A13A``, with UTF-8 text in ID 64).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from .crc import crc16_hex

CURRENCY_KGS = "417"
COUNTRY_KG = "KG"
STATIC = "11"
DYNAMIC = "12"
NAME_MAX = 25
CITY_MAX = 15


class PayloadError(ValueError):
    """A value does not fit its data object."""


def data_object(tag: str, value: str) -> str:
    if len(tag) != 2 or not tag.isdigit():
        raise PayloadError(f"bad ID {tag!r}")
    if not value or len(value) > 99:
        raise PayloadError(f"ID {tag}: a value of 1..99 characters is needed, got {len(value)}")
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """``body`` followed by ID 63 and its checksum."""
    head = body + "6304"
    return head + crc16_hex(head)


def _ascii(text: str, limit: int) -> str:
    """Names and cities are printable ASCII in the root template (format ``ans``)."""
    cleaned = "".join(ch for ch in str(text) if 32 <= ord(ch) < 127).strip()
    return cleaned[:limit] or "-"


@dataclass(frozen=True)
class Merchant:
    template_id: str
    guid: str
    account: str
    mcc: str
    name: str
    city: str

    @classmethod
    def from_settings(cls) -> "Merchant":
        return cls(
            template_id=settings.ELQR_TEMPLATE_ID,
            guid=settings.ELQR_GUID,
            account=settings.ELQR_MERCHANT_ACCOUNT,
            mcc=settings.ELQR_MCC,
            name=settings.ELQR_MERCHANT_NAME,
            city=settings.ELQR_MERCHANT_CITY,
        )


def _amount(amount: Decimal) -> str:
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise PayloadError("the amount must be positive")
    return f"{amount:f}"


def build(
    *,
    merchant: Merchant | None = None,
    amount: Decimal | None = None,
    bill_number: str = "",
    reference: str = "",
    terminal: str = "",
) -> str:
    """An ELQR payload: dynamic when ``amount`` is given, static otherwise."""
    merchant = merchant or Merchant.from_settings()
    template_id = str(merchant.template_id)
    if not (26 <= int(template_id) <= 51):
        raise PayloadError("the merchant account template ID must be within 26..51")
    account = data_object("00", merchant.guid) + data_object("01", merchant.account)
    parts = [
        data_object("00", "01"),
        data_object("01", DYNAMIC if amount is not None else STATIC),
        data_object(template_id, account),
        data_object("52", merchant.mcc),
        data_object("53", CURRENCY_KGS),
    ]
    if amount is not None:
        parts.append(data_object("54", _amount(amount)))
    parts += [
        data_object("58", COUNTRY_KG),
        data_object("59", _ascii(merchant.name, NAME_MAX)),
        data_object("60", _ascii(merchant.city, CITY_MAX)),
    ]
    extra = ""
    if bill_number:
        extra += data_object("01", bill_number[:25])
    if reference:
        extra += data_object("05", reference[:25])
    if terminal:
        extra += data_object("07", terminal[:25])
    if extra:
        parts.append(data_object("62", extra))
    return with_crc("".join(parts))


def static_payload(*, terminal: str, merchant: Merchant | None = None) -> str:
    """The printed code of a park or a till: the payer types the amount."""
    return build(merchant=merchant, terminal=terminal)


def dynamic_payload(*, amount, bill_number: str, reference: str, terminal: str = "", merchant=None) -> str:
    """The code of one payment: amount, order reference and payment reference inside."""
    return build(merchant=merchant, amount=amount, bill_number=bill_number, reference=reference, terminal=terminal)


def deeplink(payload: str) -> str:
    """The bank app link a phone opens instead of scanning its own screen, from
    ``ELQR_DEEPLINK_TEMPLATE`` (given by the acquiring bank, ``{payload}`` marks the
    place of the URL-encoded payload); empty when the bank gave none."""
    from urllib.parse import quote

    template = settings.ELQR_DEEPLINK_TEMPLATE
    return template.format(payload=quote(payload, safe="")) if template else ""
