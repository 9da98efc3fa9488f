"""Drawing helpers for the PDFs the platform hands out (tickets, certificates, receipts).

reportlab's built-in Helvetica has no Cyrillic, so every document draws with DejaVu Sans,
shipped in ``skypark/core/fonts`` (Bitstream Vera licence, see LICENSE.txt there): a
Russian or Kyrgyz name prints as letters, not as black boxes. reportlab embeds only the
glyphs a document uses, so a one-page ticket stays small.

    pdf, width, height = document_canvas(buffer, title="…")
    pdf.setFont(FONT_BOLD, 20)
    y = draw_wrapped(pdf, text, x=…, y=…, width=…, size=11)
"""

from pathlib import Path

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "SkyParkSans"
FONT_BOLD = "SkyParkSans-Bold"
FONTS_DIR = Path(__file__).resolve().parent / "fonts"
_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}


def fonts_register() -> None:
    """Registers the document fonts with reportlab once per process."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in _FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / filename)))


def document_canvas(buffer, *, pagesize, title: str, author: str = "Sky Park") -> canvas.Canvas:
    """A canvas on ``buffer`` with the fonts registered and the document's metadata set.
    ``invariant`` keeps two renderings of the same content byte-identical apart from the
    content itself (no creation timestamp or random document id)."""
    fonts_register()
    pdf = canvas.Canvas(buffer, pagesize=pagesize, invariant=1)
    pdf.setTitle(title)
    pdf.setAuthor(author)
    pdf.setFont(FONT, 11)
    return pdf


def wrap_text(text: str, *, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points (words longer than a
    line are cut)."""
    lines = []
    for paragraph in str(text).splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if pdfmetrics.stringWidth(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while pdfmetrics.stringWidth(word, font, size) > width and len(word) > 1:
                cut = len(word)
                while cut > 1 and pdfmetrics.stringWidth(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def draw_wrapped(
    pdf,
    text: str,
    *,
    x: float,
    y: float,
    width: float,
    size: float = 11,
    font: str = FONT,
    leading: float | None = None,
) -> float:
    """Draws ``text`` from the baseline ``y`` down, wrapped to ``width``; returns the
    baseline below the last line."""
    leading = leading or size * 1.35
    pdf.setFont(font, size)
    for line in wrap_text(text, font=font, size=size, width=width):
        pdf.drawString(x, y, line)
        y -= leading
    return y


def draw_png(pdf, png: bytes, *, x: float, y: float, size: float) -> None:
    """Draws a square PNG (a QR code) with its lower-left corner at ``x``, ``y``."""
    import io

    pdf.drawImage(ImageReader(io.BytesIO(png)), x, y, width=size, height=size)
