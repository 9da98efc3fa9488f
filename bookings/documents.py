"""Files a learner receives: the calendar entry of a booking (iCalendar, RFC 5545) and
the certificate as a PDF. Pure functions of the model instances; they write nothing."""

import io

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

ICS_MIMETYPE = "text/calendar"
PDF_MIMETYPE = "application/pdf"


def booking_ics(booking) -> bytes:
    """One VEVENT for the booking's session. The UID is stable per booking, so a calendar
    that imports the confirmation twice keeps one entry."""
    session = booking.session
    calendar = Calendar()
    calendar.add("prodid", "-//Sky Park//Course bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "skypark"
    event.add("uid", f"{booking.reference}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", session.course.name)
    event["location"] = vText(session.venue.address)
    event.add(
        "description",
        _("Booking %(reference)s, %(places)s place(s).") % {"reference": booking.reference, "places": booking.places},
    )
    calendar.add_component(event)
    return calendar.to_ical()


def certificate_pdf(certificate) -> bytes:
    """A one-page landscape A4 certificate with its number, dates and the public
    verification address."""
    from django.urls import reverse

    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{_('Certificate')} {certificate.number}")
    pdf.setLineWidth(2)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawCentredString(width / 2, height - 50 * mm, _("Certificate of completion"))
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 70 * mm, _("This is to certify that"))
    pdf.setFont("Helvetica-Bold", 24)
    pdf.drawCentredString(width / 2, height - 85 * mm, certificate.learner_name)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 100 * mm, _("has successfully completed"))
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawCentredString(width / 2, height - 113 * mm, certificate.course.name)
    pdf.setFont("Helvetica", 12)
    lines = [
        _("Certificate number: %(number)s") % {"number": certificate.number},
        _("Issued on: %(date)s") % {"date": date_format(certificate.issued_on, "SHORT_DATE_FORMAT")},
        _("Valid until: %(date)s") % {"date": date_format(certificate.expires_on, "SHORT_DATE_FORMAT")},
        _("Verify at: %(url)s")
        % {"url": settings.SITE_URL.rstrip("/") + reverse("bookings:certificate-verify", args=[certificate.number])},
    ]
    y = 60 * mm
    for line in lines:
        pdf.drawCentredString(width / 2, y, line)
        y -= 7 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
