"""The files a confirmation carries: the ticket as a one-page PDF and the visit as an
iCalendar (RFC 5545) event. Pure functions of a ``TicketDescription``; they write nothing.
Call them inside the customer's language: the labels on the ticket are translated."""

import datetime
import io

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm

from skypark.commerce.qr import qr_png
from skypark.core.pdf import FONT, FONT_BOLD, document_canvas, draw_png, draw_wrapped, wrap_text

from .registry import CalendarEntry, TicketDescription

PDF_MIMETYPE = "application/pdf"
ICS_MIMETYPE = "text/calendar"
BRAND = colors.HexColor("#2563eb")
MUTED = colors.HexColor("#555555")


def ticket_pdf(description: TicketDescription) -> bytes:
    """A5 portrait: what it is, the QR code, the backup code in large type, then the
    what/when/where/who rows and the address of the ticket online."""
    buffer = io.BytesIO()
    width, height = A5
    margin = 14 * mm
    text_width = width - 2 * margin
    pdf = document_canvas(buffer, pagesize=A5, title=f"{description.heading} {description.backup_code}")

    pdf.setFillColor(BRAND)
    pdf.rect(0, height - 22 * mm, width, 22 * mm, stroke=0, fill=1)
    pdf.setFillColor(colors.white)
    pdf.setFont(FONT_BOLD, 16)
    pdf.drawString(margin, height - 14 * mm, "Sky Park")
    pdf.setFont(FONT, 11)
    pdf.drawRightString(width - margin, height - 14 * mm, description.heading)

    pdf.setFillColor(colors.black)
    y = draw_wrapped(pdf, description.title, x=margin, y=height - 33 * mm, width=text_width, size=15, font=FONT_BOLD)

    qr_size = 62 * mm
    qr_top = y - 1 * mm
    draw_png(
        pdf,
        qr_png(description.qr_payload, box_size=10, border=2),
        x=(width - qr_size) / 2,
        y=qr_top - qr_size,
        size=qr_size,
    )
    y = qr_top - qr_size - 6 * mm
    pdf.setFillColor(MUTED)
    pdf.setFont(FONT, 9)
    pdf.drawCentredString(width / 2, y, _("Backup code (if the QR code cannot be scanned)"))
    pdf.setFillColor(colors.black)
    pdf.setFont(FONT_BOLD, 22)
    y -= 9 * mm
    pdf.drawCentredString(width / 2, y, description.backup_code)
    y -= 9 * mm

    label_width = 28 * mm
    for label, value in description.details:
        lines = wrap_text(value, font=FONT, size=10.5, width=text_width - label_width)
        pdf.setFillColor(MUTED)
        pdf.setFont(FONT, 9)
        pdf.drawString(margin, y, label)
        pdf.setFillColor(colors.black)
        pdf.setFont(FONT, 10.5)
        for line in lines:
            pdf.drawString(margin + label_width, y, line)
            y -= 5 * mm
        y -= 1.5 * mm

    pdf.setFillColor(MUTED)
    footer = [_("Show this ticket at the entrance, on paper or on your phone.")]
    if description.url:
        footer.append(description.url)
    footer_y = 12 * mm + 4.5 * mm * (len(footer) - 1)
    for line in footer:
        pdf.setFont(FONT, 8.5)
        pdf.drawCentredString(width / 2, footer_y, line)
        footer_y -= 4.5 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _calendar_host() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "skypark"


def calendar_ics(entry: CalendarEntry) -> bytes:
    """One VEVENT (one per day for a thing over several days). The UID is stable per
    confirmed thing, so a calendar that imports the confirmation twice (or a resent one)
    keeps one entry. Aware datetimes are written
    with their TZID (and the matching VTIMEZONE); an all-day entry ends the day after
    its last day, as RFC 5545 counts."""
    calendar = Calendar()
    calendar.add("prodid", "-//Sky Park//Tickets//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    days = [(entry.start, entry.end), *entry.further_days]
    for number, (start, end) in enumerate(days, start=1):
        event = Event()
        uid = entry.uid if number == 1 else f"{entry.uid}-{number}"
        event.add("uid", f"{uid}@{_calendar_host()}")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", start)
        if not isinstance(end, datetime.datetime):
            end = end + datetime.timedelta(days=1)
        event.add("dtend", end)
        event.add("summary", entry.summary)
        if entry.location:
            event["location"] = vText(entry.location)
        if entry.description:
            event.add("description", entry.description)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def confirmation_attachments(description: TicketDescription) -> list[tuple[str, bytes, str]]:
    """``(filename, content, mimetype)`` for the notification: the .ics when the thing is
    dated, and the ticket PDF."""
    files = []
    if description.calendar is not None:
        files.append((f"{description.reference}.ics", calendar_ics(description.calendar), ICS_MIMETYPE))
    files.append((f"{description.reference}.pdf", ticket_pdf(description), PDF_MIMETYPE))
    return files
