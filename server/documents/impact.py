"""A campaign's impact as a document a sponsor puts in its CSR or sustainability report:
PDF to read, CSV to copy figures from.

Both are drawn from `reports.api.campaign_impact` exactly as the impact page shows it:
figures about students only for closed months, rounded, small cells suppressed
(server/reports/README.md). A suppressed cell prints "meno di 5 studenti" and no
figure at all, whatever the dict holds beneath: the document adds no arithmetic of its
own (no totals of rows, no shares), so it cannot rebuild a hidden cell either. The
funds are the sponsor's own money and are printed in full.
"""
import csv
import io
import re
from datetime import date

from server.documents import pdf

MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
          "ottobre", "novembre", "dicembre")
AREA_LEVELS = {"municipality": "comune", "province": "provincia", "region": "regione"}
CHART_HEIGHT = 45  # mm: the tallest bar
DASH = "—"


def filename(report: dict, extension: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", pdf.printable(report.get("campaign_name") or "").lower()).strip("-")[:40]
    return f"impatto-{name or 'campagna'}-{report['campaign_id']}.{extension}"


def fewer_than(report: dict) -> str:
    return f"meno di {report.get('min_cell') or 5} studenti"


def _date(value: date | str) -> date:
    """The report's days: dates from the use case, ISO text once through JSON."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _day(value: date | str | None) -> str:
    return _date(value).strftime("%d/%m/%Y") if value else DASH


def _count(value) -> str:
    return DASH if value is None else f"{value:,}".replace(",", ".")


def _money(cents) -> str:
    return DASH if cents is None else pdf.euro(cents)


def _month_label(row: dict) -> str:
    if row.get("label"):
        return row["label"]
    first, last = _date(row["from"]), _date(row["to"])
    start = f"{MONTHS[first.month - 1]} {first.year}"
    if (first.year, first.month) == (last.year, last.month):
        return start
    return f"{start} – {MONTHS[last.month - 1]} {last.year}"


def _short_month(row: dict) -> str:
    """"set 26", "lug-ago 26": a year of months side by side under their bars."""
    first, last = _date(row["from"]), _date(row["to"])
    start = MONTHS[first.month - 1][:3]
    if (first.year, first.month) != (last.year, last.month):
        start += "-" + MONTHS[last.month - 1][:3]
    return f"{start} {last.year % 100:02d}"


def _shown(report: dict, row: dict, figure: str, form=_count) -> str:
    """One figure of a cell as printed: the figure, or why there is none."""
    if row.get("suppressed"):
        return fewer_than(report)
    return form(row.get(figure))


def _students_of(row: dict):
    return row.get("students", row.get("students_reached"))


# --- what the document says ---------------------------------------------------------------

def headline_sentence(report: dict) -> str:
    headline = report.get("headline") or {"suppressed": True}
    as_of = report.get("as_of")
    if as_of is None:
        return ("Nessun mese chiuso ha ancora abbastanza studenti per pubblicare dati: "
                f"le cifre compaiono quando un mese conta almeno {report.get('min_cell') or 5} studenti.")
    # A headline can be partly hidden (one figure too close to the last release): say what is
    # shown, leave out what is not, as the impact page does.
    if headline.get("students_reached") is None:
        return f"Al {_day(as_of)}: {fewer_than(report)} hanno usato i buoni della campagna."
    parts = [f"Al {_day(as_of)}, almeno {_count(headline['students_reached'])} studenti hanno usato "
             f"i buoni della campagna «{report.get('campaign_name')}»"]
    if headline.get("venues") is not None:
        parts.append(f" in {_count(headline['venues'])} luoghi della cultura")
    if headline.get("visits") is not None:
        parts.append(f", per {_count(headline['visits'])} ingressi")
    if headline.get("spend_cents") is not None:
        parts.append(f", spendendo almeno {pdf.euro(headline['spend_cents'])}")
    return "".join(parts) + "."


def method_line(report: dict) -> str:
    method = report.get("method") or {}
    students = method.get("students_rounded_to") or 5
    cents = method.get("cents_rounded_to") or 1000
    return (f"Metodo: solo mesi chiusi (ora italiana); studenti arrotondati per difetto a multipli di {students}, "
            f"importi a multipli di {pdf.euro(cents).replace(',00', '')}; i gruppi con meno di "
            f"{report.get('min_cell') or 5} studenti non sono mostrati e i mesi piccoli sono uniti al successivo.")


def _breakdowns(report: dict) -> list[tuple[str, str, list[tuple[str, dict]]]]:
    """(title, label column, [(label, cell)]) for spending by category, venue and area."""
    spend = report.get("spend") or {}
    areas = spend.get("by_area")
    if areas is None:  # the shape before areas were coarsened
        areas = [{**row, "code": row.get("municipality_code"), "level": "municipality"}
                 for row in spend.get("by_municipality") or []]
    return [
        ("Spesa per categoria", "Categoria", [(row.get("label") or DASH, row) for row in spend.get("by_category") or []]),
        ("Spesa per luogo della cultura", "Luogo", [(row.get("name") or DASH, row) for row in spend.get("by_venue") or []]),
        ("Spesa per zona", "Zona", [(f"{row.get('name') or row.get('code')} ({AREA_LEVELS.get(row.get('level'), '')})"
                                     .replace(" ()", ""), row) for row in areas]),
    ]


def _attendance(report: dict) -> list[tuple[str, dict]]:
    attendance = report.get("attendance") or {}
    labels = (("booked", "Prenotazioni"), ("checked_in", "Presenti all'evento"), ("not_checked_in", "Non presentati"))
    return [(label, attendance[key]) for key, label in labels if key in attendance]


def _funds(report: dict) -> list[tuple[str, str]]:
    funds = report.get("funds") or {}
    rows = [("topped_up_cents", "Versato"), ("allocated_cents", "Assegnato alle scuole"),
            ("available_cents", "Disponibile"), ("risk_reserve_cents", "Fondo di garanzia")]
    facts = [(label, pdf.euro(funds[key])) for key, label in rows if funds.get(key) is not None]
    if funds.get("vouchers_allocated") is not None:
        facts.append(("Buoni assegnati", _count(funds["vouchers_allocated"])))
    return facts


# --- PDF ------------------------------------------------------------------------------------

def _section(document: pdf.Document, title: str) -> None:
    """A section's heading, on a new page rather than alone at the foot of one."""
    if document.will_page_break(30):
        document.add_page()
    document.heading(title, size=12)


def _trend_chart(document: pdf.Document, report: dict, trend: list[dict]) -> None:
    """Spending by month as bars; a suppressed month is an empty outlined box, labelled
    with why, so the reader sees the month without a figure to read off its height."""
    shown = [row["spend_cents"] for row in trend if not row.get("suppressed") and row.get("spend_cents")]
    top = max(shown, default=0)
    width = document.w - document.l_margin - document.r_margin
    slot = width / max(len(trend), 1)
    bar = min(slot * 0.6, 24)
    if document.will_page_break(CHART_HEIGHT + 22):
        document.add_page()
    base_y = document.get_y() + CHART_HEIGHT + 6
    document.set_draw_color(120)
    document.line(document.l_margin, base_y, document.l_margin + width, base_y)
    for index, row in enumerate(trend):
        x = document.l_margin + index * slot + (slot - bar) / 2
        document.set_font("Helvetica", size=7 if len(trend) <= 8 else 5.5)  # many months: narrow columns
        if row.get("suppressed") or row.get("spend_cents") is None:
            # The chart's full height, dashed: "no figure", never read as a small one.
            document.set_draw_color(170)
            with document.local_context():
                document.set_dash_pattern(dash=1, gap=1)
                document.rect(x, base_y - CHART_HEIGHT, bar, CHART_HEIGHT, style="D")
            document.set_xy(x - (slot - bar) / 2, base_y - CHART_HEIGHT / 2 - 4)
            document.multi_cell(slot, 3.5, pdf.printable(fewer_than(report)), align="C")
        else:
            height = max(CHART_HEIGHT * row["spend_cents"] / top, 0.5) if top else 0.5
            document.set_fill_color(55, 48, 163)
            document.rect(x, base_y - height, bar, height, style="F")
            document.set_xy(x - (slot - bar) / 2, base_y - height - 5)
            document.cell(slot, 4, pdf.printable(pdf.euro(row["spend_cents"]).replace(",00", "")), align="C")
        document.set_font_size(7)
        document.set_xy(x - (slot - bar) / 2, base_y + 1)
        document.multi_cell(slot, 3.5, pdf.printable(_short_month(row) if len(trend) > 6 else _month_label(row)),
                            align="C")
    document.set_draw_color(0)
    document.set_y(base_y + 10)
    document.ln(2)


def impact_pdf(report: dict, *, issuer: str) -> bytes:
    name = report.get("campaign_name") or ""
    document = pdf.Document(title=f"Impatto della campagna {name}", issuer=issuer)
    document.heading(f"Impatto della campagna «{name}»")
    document.paragraph(f"Dati al {_day(report.get('as_of'))} · {issuer}", size=9)
    document.ln(2)
    document.paragraph(headline_sentence(report), size=12, bold=True)
    document.ln(2)
    document.paragraph(method_line(report), size=8)
    document.ln(4)

    trend = report.get("trend") or []
    if trend:
        _section(document, "Mese per mese")
        _trend_chart(document, report, trend)
        document.table(["Mese", "Studenti", "Spesa"],
                       [[_month_label(row), _shown(report, row, "students"),
                         _shown(report, row, "spend_cents", _money) if not row.get("suppressed") else DASH]
                        for row in trend], widths=[70, 52, 52], aligns=["L", "R", "R"])
        document.ln(4)

    for title, column, rows in _breakdowns(report):
        if not rows:
            continue
        _section(document, title)
        header, widths, aligns = [column, "Spesa"], [130, 44], ["L", "R"]
        with_students = any(_students_of(row) is not None for _, row in rows if not row.get("suppressed"))
        if with_students:
            header, widths, aligns = header + ["Studenti"], [100, 44, 30], aligns + ["R"]
        document.table(header, [[label, _shown(report, row, "spend_cents", _money)]
                                + ([DASH if row.get("suppressed") else _count(_students_of(row))] if with_students else [])
                                for label, row in rows], widths=widths, aligns=aligns)
        document.ln(4)

    attendance = _attendance(report)
    if attendance:
        _section(document, "Eventi prenotati")
        document.facts([(label, _shown(report, cell, "count")) for label, cell in attendance])

    ratings = report.get("ratings")
    if ratings:
        _section(document, "Voti degli studenti")
        if ratings.get("suppressed"):
            document.facts([("Voti", fewer_than(report))])
        else:
            average = ratings.get("average_stars")
            document.facts([("Voti", _count(ratings.get("count"))),
                            ("Media", DASH if average is None else f"{average:.1f}".replace(".", ",") + " su 5"),
                            *((f"{row['stars']} stelle" if row["stars"] != 1 else "1 stella",
                               _shown(report, row, "count")) for row in ratings.get("distribution") or [])])

    thanks = report.get("thanks") or []
    if thanks:
        _section(document, "Grazie dagli studenti")
        document.facts([(row.get("label") or row.get("choice"), _shown(report, row, "count")) for row in thanks],
                       label_width=80)

    funds = _funds(report)
    if funds:
        _section(document, "I vostri fondi")
        document.facts(funds)
    return document.bytes()


# --- CSV ------------------------------------------------------------------------------------

def impact_csv(report: dict) -> bytes:
    """One row per figure: section; item; students; amount EUR; count; note. A suppressed
    cell leaves the three figures empty and says why in the note."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Campagna", pdf.csv_cell(report.get("campaign_name"))])
    writer.writerow(["Dati al", _day(report.get("as_of"))])
    writer.writerow(["Metodo", pdf.csv_cell(method_line(report))])
    writer.writerow([])
    writer.writerow(["Sezione", "Voce", "Studenti", "Importo EUR", "Numero", "Nota"])

    def row(section, label, cell, *, students=None, cents=None, count=None):
        if cell.get("suppressed"):
            writer.writerow([section, pdf.csv_cell(label), "", "", "", fewer_than(report)])
            return
        writer.writerow([section, pdf.csv_cell(label), "" if students is None else students,
                         "" if cents is None else pdf.decimal(cents), "" if count is None else count, ""])

    headline = report.get("headline") or {"suppressed": True}
    row("Sintesi", "Studenti raggiunti", headline, students=headline.get("students_reached"),
        cents=headline.get("spend_cents"), count=headline.get("visits"))
    if not headline.get("suppressed") and headline.get("venues") is not None:
        row("Sintesi", "Luoghi della cultura", headline, count=headline["venues"])
    for month in report.get("trend") or []:
        row("Mese per mese", _month_label(month), month, students=month.get("students"),
            cents=month.get("spend_cents"))
    for title, _column, rows in _breakdowns(report):
        for label, cell in rows:
            row(title, label, cell, students=_students_of(cell), cents=cell.get("spend_cents"),
                count=cell.get("redemptions"))
    for label, cell in _attendance(report):
        row("Eventi prenotati", label, cell, count=cell.get("count"))
    ratings = report.get("ratings")
    if ratings:
        row("Voti", "Voti ricevuti", ratings, count=ratings.get("count"))
        if not ratings.get("suppressed"):
            for stars in ratings.get("distribution") or []:
                if stars.get("count") is not None:
                    row("Voti", f"{stars['stars']} stelle", {}, count=stars["count"])
    for thanks in report.get("thanks") or []:
        row("Grazie", thanks.get("label") or thanks.get("choice"), thanks, count=thanks.get("count"))
    funds = report.get("funds") or {}
    for key, label in (("topped_up_cents", "Versato"), ("allocated_cents", "Assegnato alle scuole"),
                       ("available_cents", "Disponibile"), ("risk_reserve_cents", "Fondo di garanzia")):
        if funds.get(key) is not None:
            row("Fondi", label, {}, cents=funds[key])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
