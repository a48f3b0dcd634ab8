"""What every document shares: a PDF page with fpdf2's core fonts, Italian money and
dates, and CSV cells a spreadsheet will not run.

Fonts: fpdf2's core fonts (Helvetica) need no font file, so nothing is installed or
fetched. Their text is a single-byte encoding; windows-1252 holds "€", Italian accents,
typographic quotes and dashes, and pdftotext reads it back as written. A character
outside it (a name in another script) is printed without its accent where it has one,
else as "?": a receipt must never fail to print for a name.
"""
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF

ROME = ZoneInfo("Europe/Rome")
ENCODING = "windows-1252"
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text) -> str:
    """``text`` reduced to what the core font can show (see the module docstring)."""
    out = []
    for char in unicodedata.normalize("NFC", "" if text is None else str(text)):
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode(ENCODING, "ignore").decode(ENCODING)
            out.append(base or "?")
    return "".join(out)


def euro(cents: int) -> str:
    """12345 → "€ 123,45"; 123456789 → "€ 1.234.567,89" (Italian separators)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{part:02d}"


def decimal(cents: int) -> str:
    """12345 → "123,45": a spreadsheet cell in Italian (comma decimals, no thousands)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole},{part:02d}"


def rome(instant: datetime) -> datetime:
    return instant.astimezone(ROME)


def date_text(instant: datetime) -> str:
    return rome(instant).strftime("%d/%m/%Y")


def datetime_text(instant: datetime) -> str:
    return rome(instant).strftime("%d/%m/%Y %H:%M")


def masked_iban(iban: str | None) -> str:
    """The country and the last four characters; the rest hidden: "IT*********************3456"."""
    if not iban:
        return "—"
    return iban[:2] + "*" * (len(iban) - 6) + iban[-4:]


def csv_cell(value) -> str:
    """Text from users (event titles, names) as a CSV cell a spreadsheet shows and never
    evaluates: a leading = + - @ (or tab, CR) would make it a formula (OWASP "CSV
    injection"), so such a cell starts with an apostrophe, which spreadsheets hide."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_CSV_FORMULA_START) else text


class Document(FPDF):
    """An A4 page with our title block and "pagina n di m" at the foot."""

    def __init__(self, *, title: str, issuer: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.set_title(printable(title))
        self.set_author(printable(issuer))
        self.set_creator("Mentoring")
        self.alias_nb_pages()
        self.add_page()

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, f"Pagina {self.page_no()} di {{nb}}", align="C")

    def heading(self, text: str, size: int = 16) -> None:
        self.set_font("Helvetica", style="B", size=size)
        self.multi_cell(0, size * 0.5, printable(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def paragraph(self, text: str, *, size: int = 10, bold: bool = False) -> None:
        self.set_font("Helvetica", style="B" if bold else "", size=size)
        self.multi_cell(0, 5, printable(text), new_x="LMARGIN", new_y="NEXT")

    def facts(self, rows: list[tuple[str, str]], *, label_width: float = 55) -> None:
        """Label: value lines (values may wrap)."""
        for label, value in rows:
            self.set_font("Helvetica", style="B", size=10)
            self.cell(label_width, 6, printable(label))
            self.set_font("Helvetica", size=10)
            self.multi_cell(0, 6, printable(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], aligns: list[str]) -> None:
        """A simple ruled table; the header is repeated on every new page."""
        def header_row():
            self.set_font("Helvetica", style="B", size=9)
            for text, width, align in zip(header, widths, aligns):
                self.cell(width, 7, printable(text), border="B", align=align)
            self.ln()
            self.set_font("Helvetica", size=9)

        header_row()
        for row in rows:
            if self.will_page_break(6):
                self.add_page()
                header_row()
            for text, width, align in zip(row, widths, aligns):
                # Truncated rather than wrapped: one line per row keeps totals readable.
                shown = printable(text)
                while shown and self.get_string_width(shown) > width - 2:
                    shown = shown[:-2] + "…"
                self.cell(width, 6, shown, align=align)
            self.ln()

    def bytes(self) -> bytes:
        return bytes(self.output())
