"""The operator's Pagamenti page in real Chromium at phone size: upload a camt.053 built
for the demo pilot, read the preview (one top-up matched, one unknown credit), import it,
then set the unknown credit aside from the queue. The page is checked with axe."""
import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

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
    expect(page.locator(".bank-queue .bank-line", has_text=unknown_payer)).to_have_count(0)
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


def _checked_in_booking_two_days_ago(app, pilot) -> int:
    """A demo student books a theatre seat and was let in two days ago: a line a run
    with yesterday's cut-off pays (the door itself is tested elsewhere)."""
    from datetime import date, datetime, timedelta, timezone

    from server.accounts.models import Wallet
    from server.bookings import api as bookings_api
    from server.catalogue.models import Event
    from server.errors import DomainError
    from server.vouchers import api as vouchers_api
    from signing import DeviceKey

    issued = pilot.claim_code()
    now = datetime.now(timezone.utc)
    with app.app_context():
        wallet = Wallet(device_key=DeviceKey.generate().public_bytes)
        db.session.add(wallet)
        voucher = vouchers_api.claim(wallet=wallet, code_text=issued.code, secret=app.secret_key, today=date.today())
        for event in db.session.scalars(sa.select(Event).where(Event.starts_at > now).order_by(Event.id)):
            try:
                booking = bookings_api.book(wallet=wallet, event_id=event.id, voucher_id=voucher.id,
                                            request_id=uuid.uuid4().hex, now=now)
            except DomainError:  # not this voucher's category, or full: try the next event
                db.session.rollback()
                db.session.add(wallet)
                continue
            break
        booking.checked_in_at = now - timedelta(days=2)
        db.session.commit()
        return event.venue_id


def test_the_operator_runs_a_settlement_and_downloads_the_pain_001(page, live_app, pilot):
    _checked_in_booking_two_days_ago(live_app, pilot)
    log_in(page, demo.ADMIN_EMAIL, "/o/admin/pagamenti")
    page.get_by_role("heading", name="Liquidazioni ai luoghi").wait_for()
    page.get_by_role("button", name="Avvia liquidazione").click()
    created = page.locator(".settlement-new").get_by_text(re.compile(r"Liquidazione \d+ creata"))
    created.wait_for()
    run_id = re.search(r"Liquidazione (\d+)", created.inner_text()).group(1)
    run = page.locator(f'.settlement-run-list [data-run="{run_id}"]')
    # A new run opens with its details (its transfers and the download).
    with page.expect_download() as download:
        run.get_by_role("button", name="Scarica file per la banca (pain.001)").click()
    xml = open(download.value.path(), "rb").read()
    assert b"pain.001.001" in xml and b"<EndToEndId>MENT-" in xml
    run.locator('[data-status="exported"]').first.wait_for()
    assert serious_violations(page) == []
