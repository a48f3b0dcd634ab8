"""Documents in real Chromium on a phone (360×640): a venue downloads a payout statement
(PDF and CSV), a sponsor a receipt, both fetched with the session and read back with
pdftotext; the top-up page leads with the fields to copy, keeps the QR folded for another
device, and lets the sponsor cancel an abandoned top-up."""
import csv
import io
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server import demo
from server.accounts.models import Organisation
from server.campaigns.models import Campaign
from server.extensions import db
from server.payments.models import TopUp
from server.settlement.models import BOOKING, REDEMPTION, Payout, PayoutLine, SettlementRun
from tests.pwa.conftest import DESKTOP, PHONE, serious_violations
from tests.pwa.test_org_browser import FORNO, FORNO_EMAIL, log_in, organisation_id, rows

pytestmark = pytest.mark.browser

VENUE_EMAIL = "direzione.navigli@demo.example"
NAVIGLI = "Teatro dei Navigli"


def pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


@pytest.fixture
def payout(live_app):
    """A paid payout of the demo theatre, as a settlement run leaves it (rows only: no money moves)."""
    with live_app.app_context():
        venue = db.session.scalar(sa.select(Organisation).filter_by(name=NAVIGLI))
        run = SettlementRun(cut_off=datetime.now(timezone.utc) - timedelta(days=1), status="paid")
        db.session.add(run)
        db.session.flush()
        made = Payout(run_id=run.id, venue_id=venue.id, amount_cents=2_650, iban=venue.iban or "IT60X0542811101000000123456",
                      end_to_end_id=f"MENT-{run.id}-{uuid.uuid4().hex[:6]}", remittance=f"Mentoring pagamento {run.id}",
                      status="paid", booked_on=datetime.now(timezone.utc).date())
        db.session.add(made)
        db.session.flush()
        at = datetime.now(timezone.utc) - timedelta(days=2)
        db.session.add_all([
            PayoutLine(payout_id=made.id, kind=REDEMPTION, source_id=900_000 + made.id, occurred_at=at,
                       label="Teatro", amount_cents=1_200),
            PayoutLine(payout_id=made.id, kind=BOOKING, source_id=900_000 + made.id, occurred_at=at,
                       label="Così è (se vi pare)", amount_cents=1_450)])
        db.session.commit()
        found = {"id": made.id, "number": made.statement_number, "e2e": made.end_to_end_id, "venue": venue.id}
    yield found
    with live_app.app_context():
        db.session.execute(sa.delete(PayoutLine).filter_by(payout_id=found["id"]))
        db.session.execute(sa.delete(Payout).filter_by(id=found["id"]))
        db.session.commit()


def test_a_venue_downloads_its_payout_statement_as_pdf_and_csv(page, pilot, live_app, payout, tmp_path):
    log_in(page, VENUE_EMAIL, f"/o/venue/{payout['venue']}/pagamenti")
    assert page.viewport_size == PHONE
    card = page.locator(f'.payout-card[data-payout="{payout["id"]}"]')
    card.wait_for()
    assert "pagato" in card.inner_text()

    with page.expect_download() as pdf_download:
        card.get_by_role("button", name=f"Scarica PDF: {payout['number']}").click()
    saved = tmp_path / "statement.pdf"
    pdf_download.value.save_as(saved)
    text = pdf_text(saved)
    assert pdf_download.value.suggested_filename == f"estratto-{payout['number']}.pdf"
    assert f"Estratto del pagamento {payout['number']}" in text
    assert "Così è (se vi pare) € 14,50" in text and "Totale € 26,50" in text
    assert payout["e2e"] in text

    with page.expect_download() as csv_download:
        card.get_by_role("button", name=f"Scarica CSV: {payout['number']}").click()
    body = csv_download.value.path().read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert table[0][-1] == "Importo EUR" and ["Totale EUR", "26,50"] in table


def test_a_sponsor_downloads_a_receipt(page, pilot, live_app, tmp_path):
    sponsor_id = organisation_id(live_app, "Forno della Darsena")
    log_in(page, FORNO_EMAIL, f"/o/sponsor/{sponsor_id}/ricevute")
    card = page.locator(".receipt-card").first
    card.wait_for()
    number = card.get_attribute("data-receipt")

    with page.expect_download() as download:
        card.get_by_role("button", name=f"Scarica PDF: {number}").click()
    saved = tmp_path / "receipt.pdf"
    download.value.save_as(saved)

    text = pdf_text(saved)
    assert f"Ricevuta n. {number}" in text
    assert "Forno della Darsena" in text and "Importo €" in text


def test_on_a_phone_the_top_up_leads_with_the_copy_fields_and_an_abandoned_one_is_cancelled(page, pilot, live_app):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, FORNO_EMAIL)
    sponsor_id = organisation_id(live_app, "Forno della Darsena")
    with live_app.app_context():
        campaign_id = db.session.scalar(sa.select(Campaign.id).filter_by(name=FORNO))
    csrf = page.evaluate("sessionStorage.getItem('mentoring.csrf')")
    made = page.request.post(f"/api/v1/campaigns/{campaign_id}/topups", data={"amount_cents": 5_000},
                             headers={"X-CSRF-Token": csrf, "Idempotency-Key": str(uuid.uuid4())})
    assert made.ok, made.text()
    topup_id = made.json()["id"]
    page.goto(f"/o/sponsor/{sponsor_id}/ricariche/{topup_id}")
    sepa = page.locator("dl.sepa")
    sepa.wait_for()

    # The fields to paste come first; the QR is folded away for a second device.
    folded = page.locator("details.other-device")
    assert sepa.bounding_box()["y"] < folded.bounding_box()["y"]
    assert not page.locator(".epc-qr img").is_visible()
    assert folded.locator("summary").inner_text() == "Paga da un altro dispositivo"
    folded.locator("summary").click()
    assert page.locator(".epc-qr img").is_visible()
    # The reserve is said where it is taken: 2 % of 50 euro.
    assert page.locator('[data-figure="reserve"]').inner_text().replace("\u00a0", " ") == "1,00 €"
    assert page.locator('[data-figure="campaign"]').inner_text().replace("\u00a0", " ") == "49,00 €"

    page.get_by_role("button", name="Annulla questa ricarica").click()
    page.get_by_role("button", name="Sì, annulla").click()

    page.get_by_text("Ricarica annullata").wait_for()
    assert page.locator(".topup-page").get_attribute("data-status") == "cancelled"
    assert page.locator("dl.sepa").count() == 0 and page.locator(".epc-qr").count() == 0  # nothing to pay
    assert rows(live_app, sa.select(TopUp.status).filter_by(id=topup_id)) == [("cancelled",)]


def test_the_document_pages_are_axe_clean_on_a_desk(people, pilot, live_app, payout):
    """The phone is covered by test_accessibility.py; here the desktop layout."""
    desk = people(DESKTOP)
    log_in(desk, VENUE_EMAIL, f"/o/venue/{payout['venue']}/pagamenti")
    desk.locator(".payout-card").first.wait_for()
    assert serious_violations(desk) == []

    sponsor = people(DESKTOP)
    sponsor_id = organisation_id(live_app, "Forno della Darsena")
    log_in(sponsor, FORNO_EMAIL, f"/o/sponsor/{sponsor_id}/ricevute")
    sponsor.locator(".receipt-card").first.wait_for()
    assert serious_violations(sponsor) == []
