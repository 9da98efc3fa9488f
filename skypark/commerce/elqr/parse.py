"""Reading EMV merchant-presented QR payloads (ELQR and any other scheme).

Written apart from ``payload`` on purpose: it walks the ID/length/value string by
itself, checks that ID 63 comes last with four hex digits and that they are the
CRC-16/CCITT-FALSE of everything before them, and opens the templates (26–51 merchant
accounts, 62 additional data, 64 language template, 80–99 unreserved) into their own
data objects. See ``payload`` for the specification it follows.
"""

from dataclasses import dataclass, field

from .crc import crc16

TEMPLATE_IDS = {f"{n:02d}" for n in (*range(26, 52), 62, 64, *range(80, 100))}


class ParseError(ValueError):
    """Not a well-formed EMV QR payload."""


def _walk(text: str) -> list[tuple[str, str]]:
    objects, index = [], 0
    while index < len(text):
        head = text[index : index + 4]
        if len(head) < 4 or not head.isdigit():
            raise ParseError(f"expected an ID and a length at {index}")
        size = int(head[2:])
        value = text[index + 4 : index + 4 + size]
        if len(value) != size:
            raise ParseError(f"ID {head[:2]} runs past the end")
        objects.append((head[:2], value))
        index += 4 + size
    return objects


@dataclass
class Parsed:
    fields: dict = field(default_factory=dict)
    templates: dict = field(default_factory=dict)

    def get(self, tag, default=""):
        return self.fields.get(tag, default)

    @property
    def is_dynamic(self) -> bool:
        return self.get("01") == "12"

    @property
    def amount(self) -> str:
        return self.get("54")

    @property
    def currency(self) -> str:
        return self.get("53")

    @property
    def country(self) -> str:
        return self.get("58")


def parse(text: str) -> Parsed:
    if not isinstance(text, str) or len(text) < 12:
        raise ParseError("too short")
    objects = _walk(text)
    if not objects or objects[0] != ("00", "01"):
        raise ParseError("the payload must open with 000201")
    tag, value = objects[-1]
    if tag != "63" or len(value) != 4:
        raise ParseError("the payload must end with the CRC (ID 63, length 04)")
    expected = crc16(text[:-4].encode("utf-8"))
    try:
        printed = int(value, 16)
    except ValueError:
        raise ParseError("the CRC is not hexadecimal")
    if printed != expected:
        raise ParseError(f"CRC mismatch: printed {value}, computed {expected:04X}")
    result = Parsed()
    for tag, value in objects:
        if tag in result.fields:
            raise ParseError(f"ID {tag} appears twice")
        result.fields[tag] = value
        if tag in TEMPLATE_IDS:
            result.templates[tag] = dict(_walk(value))
    return result
