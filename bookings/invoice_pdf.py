"""The company invoice as a PDF (reportlab, as every document of the platform). A pure
function of the invoice."""

import io

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from skypark.core.formatting import format_money
from skypark.core.pdf import FONT, FONT_BOLD, document_canvas, draw_wrapped


def invoice_pdf(invoice) -> bytes:
    """One A4 page: seller, the company billed, the purchase order and VAT numbers, the
    line per attendee, the total and the due date with how to pay."""
    booking = invoice.booking
    session = booking.session
    buffer = io.BytesIO()
    width, height = A4
    pdf = document_canvas(buffer, pagesize=A4, title=f"{_('Invoice')} {invoice.number}")
    left, right = 20 * mm, width - 20 * mm
    y = height - 25 * mm
    pdf.setFont(FONT_BOLD, 22)
    pdf.drawString(left, y, _("Invoice"))
    pdf.setFont(FONT, 10)
    pdf.drawRightString(right, y, getattr(settings, "INVOICE_SELLER_NAME", "Sky Park Training"))
    y -= 12 * mm
    facts = [
        (_("Invoice number"), invoice.number),
        (_("Issued on"), date_format(invoice.created_at.date(), "SHORT_DATE_FORMAT")),
        (_("Due date"), date_format(invoice.due_date, "SHORT_DATE_FORMAT")),
        (_("Purchase-order number"), invoice.purchase_order),
        (_("VAT number"), invoice.vat_number or "—"),
        (_("Booking"), booking.reference),
    ]
    for label, value in facts:
        pdf.setFont(FONT, 10)
        pdf.drawString(left, y, f"{label}:")
        pdf.setFont(FONT_BOLD, 10)
        pdf.drawString(left + 50 * mm, y, str(value))
        y -= 6 * mm
    y -= 4 * mm
    pdf.setFont(FONT_BOLD, 11)
    pdf.drawString(left, y, _("Bill to"))
    y -= 6 * mm
    pdf.setFont(FONT, 10)
    for line in [invoice.company_name, *invoice.company_address.splitlines()]:
        y = draw_wrapped(pdf, line, x=left, y=y, width=90 * mm, size=10)
    y -= 8 * mm
    pdf.setFont(FONT_BOLD, 11)
    pdf.drawString(left, y, f"{session.course.name}, {date_format(session.starts_at, 'SHORT_DATE_FORMAT')}")
    y -= 7 * mm
    pdf.setFont(FONT, 10)
    for attendee in booking.attendees.all().order_by("pk"):
        pdf.drawString(left + 4 * mm, y, attendee.name)
        pdf.drawRightString(right, y, format_money(booking.unit_price, booking.currency))
        y -= 6 * mm
    if booking.discount_applied:
        pdf.drawString(left + 4 * mm, y, _("Discount"))
        pdf.drawRightString(right, y, "−" + format_money(booking.discount_applied, booking.currency))
        y -= 6 * mm
    pdf.line(left, y + 2 * mm, right, y + 2 * mm)
    y -= 4 * mm
    pdf.setFont(FONT_BOLD, 12)
    pdf.drawString(left, y, _("Total due"))
    pdf.drawRightString(right, y, format_money(invoice.amount, invoice.currency))
    y -= 14 * mm
    pdf.setFont(FONT, 10)
    draw_wrapped(
        pdf,
        _(
            "Please pay by bank transfer by %(date)s quoting %(number)s. The places are held until then; "
            "an invoice not paid by the due date releases them."
        )
        % {"date": date_format(invoice.due_date, "DATE_FORMAT"), "number": invoice.number},
        x=left,
        y=y,
        width=right - left,
        size=10,
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
