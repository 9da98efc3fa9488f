"""Reading what the customer gets: the text of a PDF and the QR codes drawn in it."""

import io

import zxingcpp
from PIL import Image
from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def pdf_qr_codes(content: bytes) -> list[str]:
    """The texts of every QR code in the PDF's images."""
    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            found += [result.text for result in zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)]
    return found


def attachment(message, suffix: str):
    """The one attachment of ``message`` whose file name ends with ``suffix``:
    ``(filename, content, mimetype)``."""
    [found] = [item for item in message.attachments if item[0].endswith(suffix)]
    return found
