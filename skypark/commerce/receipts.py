"""The receipt of a paid order as a PDF: seller, order reference, dates, lines, totals,
how it was paid and what was refunded. A pure function of the order; writes nothing.

Text is set in DejaVu Sans (shipped in ``skypark/core/fonts``) so Cyrillic prints; the
built-in Helvetica is the fallback on a checkout without the font files.
"""

import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from skypark.core.formatting import format_money

from .models import Payment, Refund

PDF_MIMETYPE = "application/pdf"
FONT_DIR = Path(settings.BASE_DIR) / "skypark" / "core" / "fonts"
REGULAR, BOLD = "Receipt", "Receipt-Bold"


def _fonts() -> tuple[str, str]:
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return REGULAR, BOLD
    try:
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    except Exception:
        return "Helvetica", "Helvetica-Bold"
    return REGULAR, BOLD


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M") if moment else ""


def _money(amount, currency) -> str:
    return format_money(amount, currency)


class _Page:
    """A top-down text cursor that starts a new page when the current one is full."""

    def __init__(self, pdf, regular, bold):
        self.pdf, self.regular, self.bold = pdf, regular, bold
        self.width, self.height = A4
        self.y = self.height - 20 * mm

    def line(self, text, *, size=10, bold=False, x=20 * mm, right=None, gap=5.5 * mm):
        if self.y < 20 * mm:
            self.pdf.showPage()
            self.y = self.height - 20 * mm
        self.pdf.setFont(self.bold if bold else self.regular, size)
        self.pdf.drawString(x, self.y, str(text)[:110])
        if right is not None:
            self.pdf.drawRightString(self.width - 20 * mm, self.y, str(right))
        self.y -= gap

    def rule(self):
        self.pdf.line(20 * mm, self.y + 3 * mm, self.width - 20 * mm, self.y + 3 * mm)
        self.y -= 2 * mm


def order_receipt_pdf(order) -> bytes:
    """One or more A4 pages. Expects ``lines``, ``payments`` and ``refunds`` prefetched
    (``selectors.order_get`` does)."""
    regular, bold = _fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(_("Receipt %(reference)s") % {"reference": order.reference})
    page = _Page(pdf, regular, bold)
    page.line(settings.SELLER_NAME, size=14, bold=True, gap=6 * mm)
    page.line(settings.SELLER_DETAILS, size=9, gap=10 * mm)
    page.line(_("Receipt %(reference)s") % {"reference": order.reference}, size=16, bold=True, gap=8 * mm)
    page.line(_("Order date: %(date)s") % {"date": _when(order.created_at)})
    if order.paid_at:
        page.line(_("Paid on: %(date)s") % {"date": _when(order.paid_at)})
    page.line(_("Customer: %(name)s") % {"name": order.customer.name or order.customer.phone})
    page.line(_("Status: %(status)s") % {"status": order.get_status_display()}, gap=9 * mm)

    page.line(_("Item"), bold=True, right=_("Total"))
    page.rule()
    for line in order.lines.all():
        page.line(
            f"{line.quantity} × {line.description}",
            right=_money(line.total, order.currency),
        )
    page.rule()
    page.line(_("Subtotal"), right=_money(order.subtotal, order.currency))
    if order.discount_total:
        page.line(_("Discount"), right="−" + _money(order.discount_total, order.currency))
    page.line(_("Total"), bold=True, right=_money(order.total, order.currency), gap=9 * mm)

    payments = [p for p in order.payments.all() if p.status in (Payment.Status.COMPLETED, Payment.Status.REFUNDED)]
    page.line(_("Payment"), bold=True)
    for payment in payments:
        page.line(
            f"{payment.get_method_display()} · {_when(payment.processed_at)}",
            right=_money(payment.amount, payment.currency),
        )
    if not payments:
        page.line(_("Nothing to pay."))
    refunds = [r for r in order.refunds.all() if r.status == Refund.Status.COMPLETED]
    if refunds:
        page.y -= 3 * mm
        page.line(_("Refunds"), bold=True)
        for refund in refunds:
            page.line(
                f"{_when(refund.processed_at or refund.created_at)} {refund.reason}".strip(),
                right="−" + _money(refund.amount, order.currency),
            )
        page.line(_("Refunded in total"), bold=True, right=_money(order.refunded_total, order.currency))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
