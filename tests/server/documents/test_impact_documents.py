"""The campaign's impact as PDF and CSV: the headline, the date the figures stand at and
the method; a suppressed cell reads "meno di 5 studenti" and shows no figure at all;
CSV cells a spreadsheet never runs."""
import csv
import io

import pytest

from server.accounts.models import SPONSOR
from server.documents import impact
from server.extensions import db
from tests.server import factories
from tests.server.documents.helpers import flat, pdf_text

# Figures a hidden cell must never show, even if the dict beneath carried them: odd
# amounts and counts that appear nowhere else in the report.
HIDDEN_CENTS, HIDDEN_COUNT = 73_177, 3


def _hidden(**figures):
    return {**figures, "suppressed": True}


def _report(**changes):
    """A report in the shape of `/campaigns/<id>/impact` (issue 13), with hidden cells
    that still carry figures."""
    report = {
        "campaign_id": 7, "campaign_name": "Cultura per tutti", "min_cell": 5, "as_of": "2026-10-31",
        "method": {"period": "month", "students_rounded_to": 5, "cents_rounded_to": 1000},
        "funds": {"topped_up_cents": 500_000, "available_cents": 320_000, "risk_reserve_cents": 10_000,
                  "allocated_cents": 250_000, "vouchers_allocated": 100},
        "headline": {"students_reached": 35, "spend_cents": 84_000, "visits": 60, "venues": 4, "suppressed": False},
        "students_reached": {"count": 35, "suppressed": False},
        "spend": {
            "total": {"spend_cents": 84_000, "redemptions": 60, "suppressed": False},
            "by_category": [{"slug": "teatro", "label": "Teatro", "spend_cents": 51_000, "redemptions": 35,
                             "suppressed": False},
                            {"slug": "altro", "label": "Altro", **_hidden(spend_cents=HIDDEN_CENTS,
                                                                          redemptions=HIDDEN_COUNT)}],
            "by_venue": [{"venue_id": 3, "name": "=HYPERLINK(\"http://x\")", "spend_cents": 40_000,
                          "redemptions": 25, "suppressed": False},
                         {"venue_id": None, "name": "Altre sedi", **_hidden(spend_cents=HIDDEN_CENTS,
                                                                            redemptions=HIDDEN_COUNT)}],
            "by_area": [{"code": "015146", "name": "Milano", "level": "municipality", "spend_cents": 84_000,
                         "redemptions": 60, "suppressed": False}],
        },
        "trend": [
            {"from": "2026-09-01", "to": "2026-09-30", "label": "settembre 2026", "students": 20,
             "spend_cents": 46_000, "suppressed": False},
            {"from": "2026-10-01", "to": "2026-10-31", "label": "ottobre 2026",
             **_hidden(students=HIDDEN_COUNT, spend_cents=HIDDEN_CENTS)},
        ],
        "attendance": {"booked": {"count": 40, "suppressed": False},
                       "checked_in": _hidden(count=HIDDEN_COUNT), "not_checked_in": _hidden(count=HIDDEN_COUNT)},
        "ratings": {"count": 15, "average_stars": 4.2, "suppressed": False,
                    "distribution": [{"stars": 5, "count": 10, "suppressed": False},
                                     {"stars": 1, "count": None, "suppressed": True}]},
        "thanks": [{"choice": "grazie", "label": "Grazie!", "count": 25, "suppressed": False},
                   {"choice": "ci-torno", "label": "Ci tornerò", **_hidden(count=HIDDEN_COUNT)}],
    }
    report.update(changes)
    return report


def _text(report) -> str:
    return flat(pdf_text(impact.impact_pdf(report, issuer="Mentoring S.r.l.")))


def test_the_pdf_leads_with_the_headline_the_date_and_the_method():
    text = _text(_report())

    assert "Impatto della campagna «Cultura per tutti»" in text
    assert "Dati al 31/10/2026" in text
    assert ("Al 31/10/2026, almeno 35 studenti hanno usato i buoni della campagna «Cultura per tutti» "
            "in 4 luoghi della cultura, per 60 ingressi, spendendo almeno € 840,00.") in text
    assert "solo mesi chiusi" in text and "multipli di 5" in text
    assert "settembre 2026 20 € 460,00" in text  # the trend's table
    assert "Teatro € 510,00" in text
    assert "Versato € 5.000,00" in text  # the sponsor's own money, in full


def test_a_hidden_cell_reads_fewer_than_five_students_and_no_figure():
    text = _text(_report())

    assert "ottobre 2026 meno di 5 studenti" in text
    assert "Altro meno di 5 studenti" in text and "Altre sedi meno di 5 studenti" in text
    assert "Presenti all'evento meno di 5 studenti" in text
    assert "Ci tornerò meno di 5 studenti" in text
    assert "731,77" not in text and "731" not in text
    assert " 3 " not in f" {text} ".replace("1 di 3", "")  # "Pagina 1 di 3" is no student figure


def test_nothing_released_yet_says_so_without_any_figure():
    hidden_headline = _hidden(students_reached=None, spend_cents=None, visits=None, venues=None)
    text = _text(_report(as_of=None, headline=hidden_headline, trend=[]))

    assert "Dati al —" in text
    assert "Nessun mese chiuso ha ancora abbastanza studenti per pubblicare dati" in text


def test_the_csv_is_semicolon_separated_comma_decimals_and_no_formulas():
    body = impact.impact_csv(_report()).decode("utf-8")

    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0] == ["Campagna", "Cultura per tutti"]
    assert rows[1] == ["Dati al", "31/10/2026"]
    assert ["Sintesi", "Studenti raggiunti", "35", "840,00", "60", ""] in rows
    assert ["Spesa per luogo della cultura", "'=HYPERLINK(\"http://x\")", "", "400,00", "25", ""] in rows
    assert ["Mese per mese", "ottobre 2026", "", "", "", "meno di 5 studenti"] in rows
    assert ["Fondi", "Versato", "", "5000,00", "", ""] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "731,77" not in body


@pytest.fixture
def sponsor_world(app):
    with app.app_context():
        member, stranger, admin = factories.user(), factories.user(), factories.user(admin=True)
        sponsor = factories.organisation(SPONSOR, owner=member, name="Fondazione Esempio")
        factories.organisation(SPONSOR, owner=stranger)
        campaign = factories.funded_campaign(sponsor)
        db.session.commit()
        return {"member": member.email, "stranger": stranger.email, "admin": admin.email,
                "campaign": campaign.id, "campaign_name": campaign.name}


@pytest.mark.parametrize("fmt, mimetype", [("pdf", "application/pdf"), ("csv", "text/csv")])
def test_the_sponsors_people_download_the_impact(app, sponsor_world, fmt, mimetype):
    client = factories.ApiClient(app.test_client()).login(sponsor_world["member"])

    response = client.get(f"/api/v1/campaigns/{sponsor_world['campaign']}/impact.{fmt}")

    assert response.status_code == 200, response.get_data(True)
    assert response.mimetype == mimetype
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].startswith('attachment; filename="impatto-cultura-per-tutti-')
    shown = flat(pdf_text(response.data)) if fmt == "pdf" else response.data.decode("utf-8")
    assert sponsor_world["campaign_name"] in shown
    assert "5.000,00" in shown or "1000,00" in shown or "1.000,00" in shown  # the top-up, in full


@pytest.mark.parametrize("who, status", [("stranger", 403), ("admin", 200)])
def test_only_the_campaigns_sponsors_and_the_operator_get_the_impact(app, sponsor_world, who, status):
    client = factories.ApiClient(app.test_client()).login(sponsor_world[who])

    response = client.get(f"/api/v1/campaigns/{sponsor_world['campaign']}/impact.pdf")

    assert response.status_code == status
