"""The operator's Pagamenti page in real Chromium at phone size: upload a camt.053 built
for the demo pilot, read the preview (one top-up matched, one unknown credit), import it,
then set the unknown credit aside from the queue. The page is checked with axe."""
import re
import uuid

import pytest
import sqlalchemy as sa

from server import demo
from server.campaigns.models import Campaign
from server.extensions import db
from server.ledger import api as ledger_api
from server.payments import api as payments_api
from server.payments.models import TopUp
from tests.pwa.conftest import serious_violations
from tests.pwa.test_org_browser import log_in
from tests.server.banking.builder import Camt

pytestmark = pytest.mark.browser


def _pending_topup(app, amount_cents: int) -> tuple[int, str]:
    with app.app_context():
        campaign = db.session.scalars(sa.select(Campaign).order_by(Campaign.id)).first()
        sponsor = campaign.sponsors[0]
        topup = payments_api.create_topup(campaign=campaign, sponsor=sponsor, amount_cents=amount_cents)
        db.session.commit()
        return topup.id, topup.reference


def _status(app, topup_id: int) -> str:
    with app.app_context():
        status = db.session.get(TopUp, topup_id).status
        db.session.rollback()
        return status


def test_the_operator_imports_a_statement_and_decides_the_rest(page, live_app, pilot):
    topup_id, reference = _pending_topup(live_app, 31_700)
    unknown_payer = f"Ditta Sconosciuta {uuid.uuid4().hex[:6]}"
    statement = (Camt(message_id=f"MSG-{uuid.uuid4().hex[:12]}")
                 .credit(31_700, reference=reference, name="Forno della Darsena S.r.l.")
                 .credit(4_321, ustrd="versamento senza causale", name=unknown_payer))
    log_in(page, demo.ADMIN_EMAIL, "/o/admin/pagamenti")
    page.get_by_role("heading", level=1, name="Pagamenti").wait_for()
    assert page.get_by_role("link", name="Pagamenti").get_attribute("aria-current") == "page"

    page.get_by_label("File XML dell’estratto conto").set_input_files(
        files=[{"name": "BPM_20261127.xml", "mimeType": "application/xml", "buffer": statement.xml()}])
    page.get_by_role("button", name="Controlla").click()

    preview = page.get_by_role("region", name="Controlla")
    preview.get_by_text("1 ricariche confermate · 0 bonifici pagati · 1 da decidere").wait_for()
    assert preview.locator('.bank-line[data-status="matched"]').get_by_text(reference).count() == 1
    assert preview.locator('.bank-line[data-status="queued"]').get_by_text(unknown_payer).count() == 1
    assert _status(live_app, topup_id) == "pending"  # a preview stores nothing
    assert serious_violations(page) == []

    page.get_by_role("button", name="Importa").click()
    page.get_by_text("Estratto importato: 1 ricariche confermate, 0 bonifici pagati, 1 movimenti da decidere.").wait_for()
    assert _status(live_app, topup_id) == "confirmed"
    page.locator(".bank-history").get_by_text("BPM_20261127.xml").first.wait_for()

    line = page.locator(".bank-queue .bank-line", has_text=unknown_payer)
    line.get_by_text("Nessuna ricarica o pagamento corrisponde").wait_for()
    line.get_by_role("button", name="Da restituire / gestito fuori").click()
    line.get_by_label("Nota (obbligatoria)").fill("Da restituire: nessuna ricarica")
    assert serious_violations(page) == []
    line.get_by_role("button", name="Metti da parte").click()
    page.get_by_text("Movimento messo da parte.").wait_for()
    assert page.locator(".bank-queue .bank-line", has_text=unknown_payer).count() == 0
    # No sideways scrolling on a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with live_app.app_context():
        assert ledger_api.check_books() == []
        db.session.rollback()


def test_a_statement_of_another_account_is_refused_in_words(page, live_app, pilot):
    log_in(page, demo.ADMIN_EMAIL, "/o/admin/pagamenti")
    other = Camt(iban="IT02L1234512345123456789012").credit(1_000, ustrd="x").xml()
    page.get_by_label("File XML dell’estratto conto").set_input_files(
        files=[{"name": "altro.xml", "mimeType": "application/xml", "buffer": other}])
    page.get_by_role("button", name="Controlla").click()
    page.get_by_role("alert").get_by_text(re.compile("IT02L1234512345123456789012")).wait_for()
