"""CSV files for staff, safe to open in a spreadsheet.

A cell that starts with ``=``, ``@``, a tab or a carriage return — or with ``+``/``-``
when it is not simply a number — is read by Excel and LibreOffice as a formula
(``=HYPERLINK(...)`` in a partner's external id or a customer's name would become a live
link). Such a cell is written with a leading apostrophe, which the spreadsheet shows as
text (OWASP "CSV injection"). The admin's list exports do the same through
django-import-export (``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``); this covers the
hand-built reports.
"""

import csv
import re

from django.http import HttpResponse

ALWAYS_FORMULA = ("=", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value):
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(ALWAYS_FORMULA) or (value[0] in "+-" and not PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def csv_response(filename: str, header, rows) -> HttpResponse:
    """An attachment ``filename`` with ``header`` and ``rows`` (any iterable of
    sequences), every text cell made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([safe_cell(str(label)) for label in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return response
