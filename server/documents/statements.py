"""Venue statements: what one payout paid, line by line, as PDF and as CSV.

Read from the settlement's payout and its lines (server/settlement/): nothing here
changes anything. A line is a door redemption or a checked-in booking, named by the
event's title or the door category: never a student, a voucher or a wallet.

CSV: semicolon-separated, comma decimals, UTF-8 with a byte-order mark: what a
spreadsheet set to Italian opens correctly with a double click (a comma separator
would collide with the decimal comma). One row per line, then a blank row and the
statement's facts as "name;value" rows (total, transfer reference, IBAN, run). Text
cells are guarded against formulas (pdf.csv_cell).
"""
import csv
import io
from datetime import timedelta

from server.accounts.models import Organisation
from server.documents import pdf
from server.settlement.models import BOOKING, Payout

KIND_LABELS = {BOOKING: "Prenotazione", "redemption": "Ingresso"}
STATUS_LABELS = {"pending": "In preparazione", "exported": "Bonifico disposto", "paid": "Pagato"}
PERIOD_NOTE = "Riepilogo degli ingressi e delle prenotazioni pagati con i buoni Mentoring."


def filename(payout: Payout, extension: str) -> str:
    return f"estratto-{payout.statement_number}.{extension}"


def _facts(payout: Payout, venue: Organisation) -> list[tuple[str, str]]:
    lines_total = sum(line.amount_cents for line in payout.lines)
    facts = [
        ("Estratto n.", payout.statement_number),
        ("Beneficiario", venue.name),
        ("Partita IVA", venue.vat_number or "—"),
        # The run takes what happened before the cut-off instant, a midnight in Italy:
        # the day before it is the last one paid.
        ("Liquidazione", f"n. {payout.run_id}, fino al {pdf.date_text(payout.run.cut_off - timedelta(seconds=1))}"),
        ("Stato", STATUS_LABELS.get(payout.status, payout.status)),
        ("Righe", str(len(payout.lines))),
        ("Totale", pdf.euro(payout.amount_cents)),
        ("IBAN di accredito", pdf.masked_iban(payout.iban)),
        ("Riferimento bonifico", payout.end_to_end_id),
        ("Causale", payout.remittance),
    ]
    if lines_total != payout.amount_cents:  # never expected: say it rather than hide it
        facts.append(("Somma delle righe", pdf.euro(lines_total)))
    if payout.booked_on:
        facts.append(("Data valuta", payout.booked_on.strftime("%d/%m/%Y")))
    if payout.bank_reference:
        facts.append(("Riferimento banca", payout.bank_reference))
    return facts


def statement_pdf(payout: Payout, venue: Organisation, *, issuer: str) -> bytes:
    document = pdf.Document(title=f"Estratto pagamento {payout.statement_number}", issuer=issuer)
    document.heading(f"Estratto del pagamento {payout.statement_number}")
    document.paragraph(PERIOD_NOTE, size=9)
    document.ln(3)
    document.facts(_facts(payout, venue))
    rows = [[pdf.datetime_text(line.occurred_at), KIND_LABELS.get(line.kind, line.kind), line.label,
             pdf.euro(line.amount_cents)] for line in payout.lines]
    document.table(["Data e ora", "Tipo", "Evento o categoria", "Importo"], rows,
                   widths=[34, 28, 80, 32], aligns=["L", "L", "L", "R"])
    document.set_font("Helvetica", style="B", size=10)
    document.cell(142, 8, "Totale", border="T")
    document.cell(32, 8, pdf.printable(pdf.euro(payout.amount_cents)), border="T", align="R")
    document.ln()
    document.paragraph("Orari in ora italiana (Europe/Rome).", size=8)
    return document.bytes()


def statement_csv(payout: Payout, venue: Organisation) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Data", "Ora", "Tipo", "Evento o categoria", "Importo EUR"])
    for line in payout.lines:
        at = pdf.rome(line.occurred_at)
        writer.writerow([at.strftime("%d/%m/%Y"), at.strftime("%H:%M"), KIND_LABELS.get(line.kind, line.kind),
                         pdf.csv_cell(line.label), pdf.decimal(line.amount_cents)])
    writer.writerow([])
    for name, value in _facts(payout, venue):
        if name == "Totale":
            value = pdf.decimal(payout.amount_cents)
            name = "Totale EUR"
        writer.writerow([name, pdf.csv_cell(value)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
