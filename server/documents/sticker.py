"""The window sticker: an A6 card a sponsor puts in its shop window or on its counter,
with a QR code to its public page (server/sponsors_public/).

Nothing on it is about students: the line, the sponsor's name, the code and the
address printed beneath it for people who type rather than scan.
"""
import io

import qrcode
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M

from server.documents import pdf

LINE = "Qui si regala cultura ai ragazzi di Milano"
WIDTH, HEIGHT = 105, 148  # A6 portrait, mm
MARGIN = 9
QR_SIZE = 62  # mm: scans from a metre away through glass
INK = (55, 48, 163)  # the app's theme colour (pwa/build.mjs THEME_COLOUR)


def filename(slug: str) -> str:
    return f"vetrofania-{slug}.pdf"


def _qr_png(url: str) -> bytes:
    # Medium error correction survives a scuffed or sun-faded print; a quiet zone of
    # four modules is what readers need around the code.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=12, border=4)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def short_url(url: str) -> str:
    """The address as printed: without the scheme, which nobody types."""
    return url.split("://", 1)[-1]


def _fit_name(document: FPDF, text: str, *, width: float, room: float) -> None:
    """The sponsor's name above the code: smaller type for a long name (200 characters
    may be), cut short with an ellipsis should it still not fit at the smallest, so it
    never runs under the code and out of sight."""
    for size in (12, 11, 10, 9, 8):
        document.set_font("Helvetica", size=size)
        line_height = size * 0.5
        lines = document.multi_cell(width, line_height, text, align="C", dry_run=True, output="LINES")
        if len(lines) * line_height <= room:
            break
    else:
        fitting = max(1, int(room // line_height))
        if len(lines) > fitting:
            lines = lines[:fitting]
            lines[-1] = lines[-1][:max(0, len(lines[-1]) - 3)].rstrip() + "..."
        text = "\n".join(lines)
    document.multi_cell(width, line_height, text, align="C", new_x="LMARGIN", new_y="NEXT")


def sticker_pdf(*, sponsor_name: str, url: str, issuer: str) -> bytes:
    document = FPDF(orientation="portrait", unit="mm", format=(WIDTH, HEIGHT))  # fpdf2 names no A6
    document.core_fonts_encoding = pdf.ENCODING
    document.set_auto_page_break(auto=False)
    document.set_margins(MARGIN, MARGIN, MARGIN)
    document.set_title(pdf.printable(LINE))
    document.set_author(pdf.printable(issuer))
    document.set_creator("Mentoring")
    document.add_page()
    inner = WIDTH - 2 * MARGIN

    document.set_fill_color(*INK)
    document.rect(0, 0, WIDTH, 5, style="F")
    document.set_y(MARGIN + 2)
    document.set_text_color(*INK)
    document.set_font("Helvetica", style="B", size=19)
    document.multi_cell(inner, 8, pdf.printable(LINE), align="C", new_x="LMARGIN", new_y="NEXT")
    document.ln(2)
    document.set_text_color(0)
    qr_y = HEIGHT - MARGIN - 12 - QR_SIZE
    _fit_name(document, pdf.printable(f"con {sponsor_name}"), width=inner, room=qr_y - 1 - document.get_y())

    document.image(io.BytesIO(_qr_png(url)), x=(WIDTH - QR_SIZE) / 2, y=qr_y, w=QR_SIZE, h=QR_SIZE)
    document.set_xy(MARGIN, qr_y + QR_SIZE + 1)
    document.set_font("Helvetica", size=8)
    document.cell(inner, 4, "Inquadra il codice e scopri cosa abbiamo fatto insieme", align="C",
                  new_x="LMARGIN", new_y="NEXT")
    address = pdf.printable(short_url(url))
    size = 9
    document.set_font("Helvetica", style="B", size=size)
    while size > 5 and document.get_string_width(address) > inner:  # a long name makes a long slug
        size -= 0.5
        document.set_font_size(size)
    document.cell(inner, 5, address, align="C")
    document.set_fill_color(*INK)
    document.rect(0, HEIGHT - 5, WIDTH, 5, style="F")
    return bytes(document.output())
