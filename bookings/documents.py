"""The certificate a learner receives, as a PDF (the booking's ticket and calendar file
come from notify's confirmations). A pure function of the model instance."""

import io

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from skypark.core.pdf import FONT, FONT_BOLD, document_canvas

PDF_MIMETYPE = "application/pdf"


def course_days_line(session) -> str:
    """``18 hours over 3 days: 13.04.2027–15.04.2027, Leeds`` (dates on the venue's clocks)."""
    days = list(session.days.all()) or [session]
    first = days[0].starts_at.astimezone(session.venue.zone).date()
    last = days[-1].ends_at.astimezone(session.venue.zone).date()
    dates = date_format(first, "SHORT_DATE_FORMAT")
    if last != first:
        dates += "–" + date_format(last, "SHORT_DATE_FORMAT")
    hours = session.course.duration_hours.normalize()
    return ngettext(
        "%(hours)s hours over %(n)s day: %(dates)s, %(city)s",
        "%(hours)s hours over %(n)s days: %(dates)s, %(city)s",
        len(days),
    ) % {"hours": f"{hours:f}", "n": len(days), "dates": dates, "city": session.venue.city}


def certificate_pdf(certificate) -> bytes:
    """A one-page landscape A4 certificate with its number, dates and the public
    verification address."""
    from django.urls import reverse

    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = document_canvas(buffer, pagesize=(width, height), title=f"{_('Certificate')} {certificate.number}")
    pdf.setLineWidth(2)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setFont(FONT_BOLD, 30)
    pdf.drawCentredString(width / 2, height - 50 * mm, _("Certificate of completion"))
    pdf.setFont(FONT, 14)
    pdf.drawCentredString(width / 2, height - 70 * mm, _("This is to certify that"))
    pdf.setFont(FONT_BOLD, 24)
    pdf.drawCentredString(width / 2, height - 85 * mm, certificate.learner_name)
    pdf.setFont(FONT, 14)
    pdf.drawCentredString(width / 2, height - 100 * mm, _("has successfully completed"))
    pdf.setFont(FONT_BOLD, 18)
    pdf.drawCentredString(width / 2, height - 113 * mm, certificate.course.name)
    pdf.setFont(FONT, 12)
    pdf.drawCentredString(width / 2, height - 123 * mm, course_days_line(certificate.booking.session))
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
