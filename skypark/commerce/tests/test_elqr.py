"""ELQR payloads: the CRC against its check value, the builder and the parser against
payloads third parties printed with their CRC, and round trips builder → parser."""

from decimal import Decimal

import pytest

from skypark.commerce.elqr import payload
from skypark.commerce.elqr.crc import crc16, crc16_hex
from skypark.commerce.elqr.parse import ParseError, parse

# Published EMV merchant-presented payloads with the CRC their publishers printed.
THIRD_PARTY = [
    # README of github.com/phannaly/emv-qr-code (repository file)
    (
        "00020101021252044131153137210116372101160123456789ABCDE6016Banteay Meanchey5913Kuntheas Shop"
        "5802KH540510.005303840621201081234567863041FF2"
    ),
    # README of github.com/phannaly/emv-qr-code (as shown on the project page)
    (
        "00020101021252044131153137210116372101160123456789ABCDE6010Phnom Penh5913Merchant Shop5802KH"
        "540510.005303840622501081234567802090124444446304A0BA"
    ),
    # developer.mastercard.com, "Generate QR Code for Merchants"
    (
        "000201010211057704736a2f41a3-c54c-fce8-32d2-0324e1c32e22*3440e5bf-81ca-4c5f-a1b2-cf989f09a039"
        "52045024530384054031005802US5913Test Merchant6008New York62080304123463046F6D"
    ),
    # npm package emvqr, README example (UTF-8 text in the language template, ID 64)
    (
        "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN"
        "5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***"
        "0708A60086670902ME91320016A0112233449988770708123456786304A13A"
    ),
]

MERCHANT = payload.Merchant(
    template_id="32", guid="kg.elqr", account="1280000000000001", mcc="7996", name="SKY PARK", city="BISHKEK"
)


def test_crc_check_value():
    assert crc16(b"123456789") == 0x29B1
    assert crc16_hex("123456789") == "29B1"
    assert crc16(b"") == 0xFFFF


@pytest.mark.parametrize("printed", THIRD_PARTY)
def test_crc_matches_third_party_payloads(printed):
    assert crc16_hex(printed[:-4]) == printed[-4:]
    assert payload.with_crc(printed[:-8]) == printed


@pytest.mark.parametrize("printed", THIRD_PARTY)
def test_parser_reads_third_party_payloads(printed):
    parsed = parse(printed)
    assert parsed.get("00") == "01" and parsed.get("63") == printed[-4:]


def test_parser_reads_fields_of_a_published_payload():
    parsed = parse(THIRD_PARTY[0])
    assert parsed.is_dynamic
    assert parsed.amount == "10.00" and parsed.currency == "840" and parsed.country == "KH"
    assert parsed.get("59") == "Kuntheas Shop" and parsed.get("60") == "Banteay Meanchey"
    assert parsed.templates["62"] == {"01": "12345678"}


def test_parser_refuses_a_wrong_crc_and_broken_payloads():
    good = THIRD_PARTY[0]
    with pytest.raises(ParseError, match="CRC"):
        parse(good[:-4] + "0000")
    with pytest.raises(ParseError):
        parse(good.replace("Kuntheas Shop", "Kuntheas Shoq"))
    with pytest.raises(ParseError):
        parse(good[10:])
    with pytest.raises(ParseError):
        parse("000201")
    with pytest.raises(ParseError):
        parse("0002016304")


def test_dynamic_payload_round_trip():
    text = payload.dynamic_payload(
        merchant=MERCHANT,
        amount=Decimal("1580"),
        bill_number="SP-7K2M9Q4X",
        reference="elqr-42-a1b2c3d4",
        terminal="DESK1",
    )
    assert text.startswith("000201010212")
    parsed = parse(text)
    assert parsed.is_dynamic
    assert parsed.amount == "1580.00"
    assert parsed.currency == "417" and parsed.country == "KG"
    assert parsed.get("52") == "7996" and parsed.get("59") == "SKY PARK" and parsed.get("60") == "BISHKEK"
    assert parsed.templates["32"] == {"00": "kg.elqr", "01": "1280000000000001"}
    assert parsed.templates["62"] == {"01": "SP-7K2M9Q4X", "05": "elqr-42-a1b2c3d4", "07": "DESK1"}
    assert list(parsed.fields)[-1] == "63"


def test_static_payload_has_no_amount_and_reads_back():
    text = payload.static_payload(merchant=MERCHANT, terminal="PARK1")
    parsed = parse(text)
    assert not parsed.is_dynamic and parsed.get("01") == "11"
    assert "54" not in parsed.fields
    assert parsed.templates["62"] == {"07": "PARK1"}


def test_template_ids_and_names_come_from_settings(settings):
    settings.ELQR_TEMPLATE_ID = "27"
    settings.ELQR_GUID = "issued.by.operator"
    settings.ELQR_MERCHANT_NAME = "Скай Парк Sky Park Asia Mall Bishkek"
    parsed = parse(payload.static_payload(terminal="T1"))
    assert parsed.templates["27"]["00"] == "issued.by.operator"
    # The root merchant name is printable ASCII of at most 25 characters.
    assert parsed.get("59") == "Sky Park Asia Mall Bishkek"[:25]


def test_values_that_do_not_fit_are_refused():
    with pytest.raises(payload.PayloadError):
        payload.dynamic_payload(merchant=MERCHANT, amount=Decimal("0"), bill_number="X", reference="Y")
    with pytest.raises(payload.PayloadError):
        payload.build(merchant=payload.Merchant("62", "g", "a", "7996", "n", "c"))
    with pytest.raises(payload.PayloadError):
        payload.data_object("52", "x" * 100)
