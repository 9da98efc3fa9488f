"""A statement as a file: CSV (the totals, then one row per line) and PDF (the same, drawn
with the platform's document fonts, so Cyrillic names print)."""

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from skypark.core.pdf import FONT, FONT_BOLD, document_canvas


def statement_totals(statement) -> list[tuple[str, object]]:
    return [
        (_("Opening balance"), statement.opening_balance),
        (_("Points issued"), statement.issued_points),
        (_("Points issued, amount"), statement.issued_amount),
        (_("Points redeemed here"), statement.redeemed_here_points),
        (_("Points redeemed here, amount"), statement.redeemed_here_amount),
        (_("Own points redeemed elsewhere"), statement.redeemed_elsewhere_points),
        (_("Coupons and offers funded"), statement.coupons_funded),
        (_("Coupons and offers received"), statement.coupons_received),
        (_("Fees"), statement.fees),
        (_("Breakage"), statement.breakage),
        (_("Liability and margin"), statement.other),
        (_("Payments"), statement.payments),
        (_("Of which adjustments"), statement.adjustments),
        (_("Net position"), statement.net),
        (_("Closing balance"), statement.closing_balance),
        (_("Paid against it"), statement.paid_amount),
        (_("Outstanding"), statement.outstanding),
    ]


def _period_label(statement) -> str:
    period = statement.period
    start = timezone.localtime(period.starts_at).date()
    end = timezone.localtime(period.ends_at).date()
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def statement_csv(statement, lines) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Statement"), statement.number])
    writer.writerow([_("Party"), statement.party_name])
    writer.writerow([_("Period"), _period_label(statement)])
    writer.writerow([_("Currency"), statement.currency])
    for label, value in statement_totals(statement):
        writer.writerow([label, value])
    writer.writerow([])
    writer.writerow([_("At"), _("Kind"), _("Role"), _("Reference"), _("Points"), _("Amount"), _("Adjustment")])
    for line in lines:
        writer.writerow(
            [
                timezone.localtime(line.occurred_at).isoformat(),
                line.kind,
                line.role,
                line.reference,
                line.points,
                line.amount,
                "1" if line.is_adjustment else "",
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def statement_pdf(statement, lines) -> bytes:
    buffer = io.BytesIO()
    width, height = A4
    pdf = document_canvas(buffer, pagesize=A4, title=f"{_('Statement')} {statement.number}")
    left, y = 18 * mm, height - 20 * mm
    pdf.setFont(FONT_BOLD, 15)
    pdf.drawString(left, y, f"{_('Settlement statement')} {statement.number}")
    y -= 8 * mm
    pdf.setFont(FONT, 10)
    for text in (statement.party_name, f"{_('Period')}: {_period_label(statement)}", statement.currency):
        pdf.drawString(left, y, text)
        y -= 5 * mm
    y -= 3 * mm
    for label, value in statement_totals(statement):
        pdf.drawString(left, y, str(label))
        pdf.drawRightString(width - left, y, str(value))
        y -= 5 * mm
    y -= 4 * mm
    columns = (left, left + 38 * mm, left + 72 * mm, left + 106 * mm)

    def header(y):
        pdf.setFont(FONT_BOLD, 8)
        for x, text in zip(columns, (_("At"), _("Kind"), _("Role"), _("Reference")), strict=True):
            pdf.drawString(x, y, text)
        pdf.drawRightString(width - left - 25 * mm, y, _("Points"))
        pdf.drawRightString(width - left, y, _("Amount"))
        pdf.setFont(FONT, 8)
        return y - 4.5 * mm

    y = header(y)
    for line in lines:
        if y < 18 * mm:
            pdf.showPage()
            y = header(height - 20 * mm)
        values = (
            f"{timezone.localtime(line.occurred_at):%Y-%m-%d %H:%M}",
            line.get_kind_display() + (" *" if line.is_adjustment else ""),
            line.get_role_display(),
            line.reference[:40],
        )
        for x, text in zip(columns, values, strict=True):
            pdf.drawString(x, y, str(text))
        pdf.drawRightString(width - left - 25 * mm, y, str(line.points))
        pdf.drawRightString(width - left, y, str(line.amount))
        y -= 4.2 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
