"""CRC-16/CCITT-FALSE, the checksum of EMV merchant-presented QR codes.

Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR; the catalogue's
check value is ``crc16(b"123456789") == 0x29B1`` (Greg Cook's CRC RevEng catalogue,
https://reveng.sourceforge.net/crc-catalogue/16.htm#crc.cat.crc-16-ibm-3740, where the
same algorithm is listed as CRC-16/IBM-3740, alias CRC-16/CCITT-FALSE).
"""

POLYNOMIAL = 0x1021


def _table():
    table = []
    for byte in range(256):
        crc = byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ POLYNOMIAL) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


TABLE = _table()


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ TABLE[(crc >> 8) ^ byte]
    return crc


def crc16_hex(text: str) -> str:
    """The four upper-case hex digits EMV QR codes print (over the UTF-8 bytes)."""
    return f"{crc16(text.encode('utf-8')):04X}"
