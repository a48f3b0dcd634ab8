"""A venue's payout statement, PDF and CSV: every line, the total, the transfer."""
import csv
import io

import pytest

from tests.server.catalogue.factories import ApiClient
from tests.server.documents.helpers import flat, payout_world, pdf_text


@pytest.fixture
def world(app):
    with app.app_context():
        return payout_world()


def _get(app, email, url):
    return ApiClient(app.test_client()).login(email).get(url)


def test_the_pdf_statement_lists_every_line_in_italian_time_with_total_and_transfer(app, world):
    response = _get(app, world["owner"], f"/api/v1/payouts/{world['payout']}/statement.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="estratto-P-{world["payout"]}.pdf"'
    assert "private" in response.headers["Cache-Control"]
    text = flat(pdf_text(response.data))
    assert "Teatro Città Alta" in text
    assert "01/03/2026 00:30 Ingresso Teatro € 12,00" in text  # 23:30 UTC, the next day in Rome
    assert "27/02/2026 19:00 Prenotazione Amleto à la carte € 14,50" in text
    assert "Totale € 36,50" in text
    assert f"Riferimento bonifico MENT-{world['run']}-1" in text
    assert f"Causale Mentoring pagamento {world['run']} estratto P-1" in text
    assert "IBAN di accredito IT*********************3456" in text
    assert "IT60X0542811101000000123456" not in text and "0542811101" not in text
    assert f"Liquidazione n. {world['run']}, fino al 01/03/2026" in text  # cut-off: midnight of 2 March


def test_the_csv_statement_is_semicolon_separated_with_comma_decimals_and_no_formulas(app, world):
    response = _get(app, world["member"], f"/api/v1/payouts/{world['payout']}/statement.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0] == ["Data", "Ora", "Tipo", "Evento o categoria", "Importo EUR"]
    assert rows[1:4] == [["26/02/2026", "10:05", "Prenotazione", "'=HYPERLINK(\"http://x\")", "10,00"],
                         ["27/02/2026", "19:00", "Prenotazione", "Amleto à la carte", "14,50"],
                         ["01/03/2026", "00:30", "Ingresso", "Teatro", "12,00"]]
    facts = {row[0]: row[1] for row in rows[5:]}
    assert facts["Totale EUR"] == "36,50"
    assert facts["Riferimento bonifico"] == f"MENT-{world['run']}-1"
    assert facts["IBAN di accredito"].endswith("3456") and "0542" not in facts["IBAN di accredito"]
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("who, status", [("staff", 403), ("other", 403), ("admin", 200)])
def test_only_the_venues_owners_members_and_the_operator_get_the_statement(app, world, who, status):
    response = _get(app, world[who], f"/api/v1/payouts/{world['payout']}/statement.csv")

    assert response.status_code == status


def test_an_unknown_payout_is_a_problem_not_a_crash(app, world):
    response = _get(app, world["owner"], "/api/v1/payouts/999999/statement.pdf")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
