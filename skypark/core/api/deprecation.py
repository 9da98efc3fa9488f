"""Retiring part of the API without surprising anyone.

``/api/v1/`` changes only by addition. Something retired keeps working until its sunset
date and, on every answer that uses it, says so: ``Deprecation`` (the date it was
deprecated, RFC 9745), ``Sunset`` (when it stops, RFC 8594) and a ``Link`` to the changelog
entry. Each retirement is one ``Retired`` entry here, so the headers, the schema's
``deprecated`` flags and the changelog name the same dates."""

import datetime
from dataclasses import dataclass
from email.utils import format_datetime

CHANGELOG = "/api/docs/#section/Changelog"


@dataclass(frozen=True)
class Retired:
    what: str
    deprecated_on: datetime.date
    sunset_on: datetime.date
    instead: str

    def headers(self) -> dict[str, str]:
        deprecated = datetime.datetime.combine(self.deprecated_on, datetime.time(), datetime.UTC)
        sunset = datetime.datetime.combine(self.sunset_on, datetime.time(), datetime.UTC)
        return {
            "Deprecation": f"@{int(deprecated.timestamp())}",
            "Sunset": format_datetime(sunset, usegmt=True),
            "Link": f'<{CHANGELOG}>; rel="deprecation"',
        }

    def describe(self) -> str:
        return f"Deprecated since {self.deprecated_on}, removed on {self.sunset_on}: {self.instead}"


PAGE_NUMBERS_ON_SYNC_LISTS = Retired(
    what="`page` on the partner lists (transactions, imports, customers)",
    deprecated_on=datetime.date(2026, 12, 7),
    sunset_on=datetime.date(2027, 12, 31),
    instead="follow `next` (a `cursor`) instead; page numbers shift when rows are added while you read.",
)

RETIRED = [PAGE_NUMBERS_ON_SYNC_LISTS]


def mark_deprecated(response, retired: Retired):
    for name, value in retired.headers().items():
        response.headers[name] = value
    return response
