"""Claim cards that survive: numbered cards, reissue of lost ones, PDF and CSV sheets.

Plain codes are never stored on the server (README.md in this package): the sheets are
made from the codes the school's browser posts back, each checked against its stored
HMAC, and nothing of them is kept. Use cases flush, never commit.

Money: a claim code holds none. The allocation's ledger account holds the money of
every voucher not yet claimed, and a claim moves one face value from it to the new
voucher. Voiding a card and giving its slot a new code therefore moves nothing; the
new code claims from the same account exactly as the old one would have.
"""
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

import qrcode
import sqlalchemy as sa
from qrcode.constants import ERROR_CORRECT_M

from server.documents import pdf
from server.extensions import db
from server.vouchers import api as vouchers_api
from server.vouchers import claim_codes
from server.vouchers.exceptions import CardCodeMismatch, CardsAlreadyClaimed, CodeVoided, UnknownCards
from server.vouchers.models import CLAIMED, VOIDED, Allocation, ClaimCode

MAX_CARDS = vouchers_api.MAX_CODES_PER_REQUEST


@dataclass(frozen=True)
class Card:
    serial: int
    code: str


def reissue(*, allocation: Allocation, serials: list[int], secret: str, now: datetime) -> list[Card]:
    """Void the live code of each card number and give the card a new code.

    All or nothing: an unknown number or a card a student already claimed refuses the
    whole request, naming the numbers. The caller holds the allocation row lock, so two
    reissues of one card cannot both replace it (the partial unique index would refuse
    the second anyway)."""
    wanted = sorted(set(serials))
    rows = {row.serial: row for row in db.session.scalars(
        sa.select(ClaimCode).where(ClaimCode.allocation_id == allocation.id, ClaimCode.serial.in_(wanted),
                                   ClaimCode.voided_at.is_(None)).with_for_update())}
    unknown = [serial for serial in wanted if serial not in rows]
    if unknown:
        raise UnknownCards(serials=unknown)
    claimed = [serial for serial in wanted if rows[serial].status == CLAIMED]
    if claimed:
        raise CardsAlreadyClaimed(serials=claimed)
    for row in rows.values():
        row.status, row.voided_at = VOIDED, now
    # The voids first: the new rows take the same (allocation, serial) live slot.
    db.session.flush()
    codes = vouchers_api.new_codes(allocation=allocation, serials=wanted, secret=secret)
    fresh = {row.serial: row for row in db.session.scalars(
        sa.select(ClaimCode).where(ClaimCode.allocation_id == allocation.id, ClaimCode.serial.in_(wanted),
                                   ClaimCode.voided_at.is_(None)))}
    for serial, row in rows.items():
        row.replaced_by_id = fresh[serial].id
    db.session.flush()
    return [Card(serial, code) for serial, code in zip(wanted, codes)]


def checked_cards(*, allocation: Allocation, posted: list[dict], secret: str) -> list[Card]:
    """The posted (serial, code) pairs, each proven to be a live card of the allocation
    by its HMAC: so a sheet never prints a made-up or voided code, nor one of another
    allocation, as if it were this school's. Claimed cards may be printed again (a
    school re-downloading a sheet); they are simply spent."""
    cards = []
    for item in posted:
        try:
            code = claim_codes.validate(item["code"])
        except claim_codes.InvalidClaimCode:
            raise CardCodeMismatch("Un codice non è valido.", field="cards",
                                   params={"serial": item["serial"]}) from None
        cards.append(Card(item["serial"], code))
    digests = {claim_codes.hash_code(card.code, secret): card for card in cards}
    rows = db.session.execute(sa.select(ClaimCode.code_hash, ClaimCode.serial, ClaimCode.status).where(
        ClaimCode.allocation_id == allocation.id, ClaimCode.code_hash.in_(list(digests)))).all()
    stored = {digest: (serial, status) for digest, serial, status in rows}
    for digest, card in digests.items():
        serial, status = stored.get(digest, (None, None))
        if serial != card.serial:
            raise CardCodeMismatch("Una scheda non corrisponde ai codici di questa assegnazione.", field="cards",
                                   params={"serial": card.serial})
        if status == VOIDED:
            raise CodeVoided(f"La scheda {card.serial} è stata annullata e sostituita.", field="cards")
    return sorted(cards, key=lambda card: card.serial)


@dataclass(frozen=True)
class Sheet:
    """What every card of a sheet says besides its own number and code."""

    campaign: str
    sponsors: str
    face_value_cents: int
    valid_until: date
    school: str
    label: str  # the class ("3B"), as the school typed it for this sheet; not stored
    base_url: str


def _short_link(base_url: str, code: str) -> str:
    link = claim_codes.deep_link(base_url, code)
    return link.split("://", 1)[1]


def filename(allocation: Allocation, extension: str) -> str:
    return f"schede-assegnazione-{allocation.id}.{extension}"


# A4 in millimetres: two columns of four cards inside the Document's 18 mm margins.
CARD_W, CARD_H, COLUMNS, ROWS = 87.0, 61.0, 2, 4
QR_SIZE = 28.0
MASK_PATTERN = 0


def _draw_qr(document, text: str, x: float, y: float, size: float) -> None:
    """The QR of ``text`` as vector squares (one rectangle per run of dark modules in a
    row): sharp at any printer resolution and no image to encode per card.

    The mask is fixed rather than searched: choosing the best of the eight is most of the
    encoding time (a 1,000-card sheet took half a minute), and any mask is a valid,
    readable code; the quiet zone is the card's own white margin."""
    maker = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=MASK_PATTERN)
    maker.add_data(text)
    maker.make(fit=True)
    matrix = maker.get_matrix()
    module = size / len(matrix)
    # One PDF path of rectangles filled once: fpdf2's rect() per run costs more than the
    # encoding. PDF space is in points with y upwards; the Document's is mm from the top.
    k, height = document.k, document.h
    runs = []
    for row, cells in enumerate(matrix):
        start = None
        for column, dark in enumerate([*cells, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                left, top = x + start * module, y + row * module
                runs.append(f"{left * k:.3f} {(height - top) * k:.3f} {(column - start) * module * k:.3f} "
                            f"{-module * k:.3f} re")
                start = None
    document._out("q 0 g " + " ".join(runs) + " f Q")  # saved and restored graphics state


def cards_pdf(sheet: Sheet, cards: list[Card], *, issuer: str) -> bytes:
    """Eight cards a page, dashed cut lines around each. Per card: its number (and the
    class), the campaign, value and sponsor, the QR of the claim link, the short link,
    the code in a fixed-width font, and the last day it can be claimed."""
    document = pdf.Document(title=f"Schede buoni: {sheet.campaign}", issuer=issuer)
    document.set_auto_page_break(auto=False)
    document.set_draw_color(120, 120, 120)
    left, top = document.l_margin, document.t_margin
    per_page = COLUMNS * ROWS
    for index, card in enumerate(cards):
        if index and index % per_page == 0:
            document.add_page()
        slot = index % per_page
        x, y = left + (slot % COLUMNS) * CARD_W, top + (slot // COLUMNS) * CARD_H
        document.set_dash_pattern(dash=2, gap=1.5)
        document.rect(x, y, CARD_W, CARD_H)  # the cut line
        document.set_dash_pattern()
        _card(document, sheet, card, x + 4, y + 4)
    return document.bytes()


def _line(document, x, y, width, text, *, size, style="", family="Helvetica"):
    document.set_xy(x, y)
    document.set_font(family, style=style, size=size)
    shown = pdf.printable(text)
    while shown and document.get_string_width(shown) > width:
        shown = shown[:-2] + "…"
    document.cell(width, size * 0.45, shown)


def _card(document, sheet: Sheet, card: Card, x: float, y: float) -> None:
    text_w = CARD_W - 8 - QR_SIZE - 3
    number = f"Scheda n. {card.serial}" + (f" · classe {sheet.label}" if sheet.label else "")
    _line(document, x, y, text_w, number, size=9, style="B")
    _line(document, x, y + 5, text_w, sheet.campaign, size=10, style="B")
    _line(document, x, y + 10.5, text_w, f"Buono da {pdf.euro(sheet.face_value_cents)}", size=9)
    _line(document, x, y + 15, text_w, f"Offerto da {sheet.sponsors}", size=8)
    if sheet.school:
        _line(document, x, y + 19.5, text_w, sheet.school, size=8)
    _draw_qr(document, claim_codes.deep_link(sheet.base_url, card.code), x + text_w + 4, y + 1, QR_SIZE)
    _line(document, x, y + 26, CARD_W - 8, "Codice", size=7)
    _line(document, x, y + 29.5, CARD_W - 8, card.code, size=15, style="B", family="Courier")
    _line(document, x, y + 37.5, CARD_W - 8, _short_link(sheet.base_url, card.code), size=7.5)
    _line(document, x, y + 42, CARD_W - 8, f"Da attivare entro il {sheet.valid_until.strftime('%d/%m/%Y')}",
          size=8, style="B")
    _line(document, x, y + 47, CARD_W - 8, "Inquadra il QR o apri il link e scrivi il codice", size=7)
    _line(document, x, y + 50.5, CARD_W - 8, "nel portafoglio Mentoring.", size=7)


def cards_csv(sheet: Sheet, cards: list[Card]) -> bytes:
    """Semicolons and UTF-8 with a byte-order mark, like the venue statements: what a
    spreadsheet set to Italian opens with a double click. Text cells guarded against
    formulas (pdf.csv_cell)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Scheda", "Classe", "Codice", "Link", "Campagna", "Offerto da", "Valore EUR", "Valido fino al"])
    for card in cards:
        writer.writerow([card.serial, pdf.csv_cell(sheet.label), card.code,
                         claim_codes.deep_link(sheet.base_url, card.code), pdf.csv_cell(sheet.campaign),
                         pdf.csv_cell(sheet.sponsors), pdf.decimal(sheet.face_value_cents),
                         sheet.valid_until.strftime("%d/%m/%Y")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
