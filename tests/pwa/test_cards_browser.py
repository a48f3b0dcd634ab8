"""Cards that survive and a class at once (issue 12, items 1 and 2), in real Chromium.

A teacher on a phone generates a class's claim cards, the tab is reloaded while
printing (as Android does when it discards a tab behind the print dialog): the codes
are still there, and leaving asks first. The PDF (read back with pdftotext) and the
CSV are made from the codes the page posts back. A lost card is reissued by its
number: the student typing the old code is told "codice annullato", the new code
claims the same voucher. Then a class of thirty phones behind one address claims.
"""
import csv
import io
import re
import shutil
import subprocess
from datetime import date

import pytest
import sqlalchemy as sa

from server import demo
from server.accounts.models import Organisation
from server.extensions import db
from server.ledger import api as ledger
from server.vouchers import api as vouchers_api
from server.vouchers.models import Voucher
from tests.pwa.conftest import PHONE, require
from tests.pwa.test_wallet_browser import as_typed, claim
from tests.server import factories

pytestmark = pytest.mark.browser

SCHOOL = "Liceo Scientifico dei Tigli"
TEACHER = "referente.tigli@demo.example"


def school_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Organisation.id).filter_by(name=SCHOOL))


def fresh_allocation(app, vouchers: int, sponsor_name: str) -> tuple[int, int]:
    """A new sponsor's funded campaign (25 EUR vouchers) allocating `vouchers` to the school."""
    with app.app_context():
        sponsor = factories.organisation("sponsor", name=sponsor_name)
        campaign = factories.funded_campaign(sponsor, amount_cents=vouchers * 2_500, risk_reserve_bps=0)
        school = db.session.scalar(sa.select(Organisation).filter_by(name=SCHOOL))
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=vouchers,
                                           today=date.today())
        db.session.commit()
        return allocation.id, campaign.id


def log_in(page, path):
    page.goto(f"/login?next={path}")
    page.get_by_label("Email").fill(TEACHER)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def shown_cards(page) -> dict[int, str]:
    cards = {}
    for card in page.locator(".code-card").all():
        serial = int(re.search(r"\d+", card.locator(".code-card-serial").inner_text()).group())
        cards[serial] = card.locator(".code-card-code").get_attribute("data-code")
    return cards


def download(page, button, path):
    with page.expect_download() as info:
        button.click()
    info.value.save_as(path)
    return path


def test_cards_survive_a_reload_download_as_pdf_and_csv_and_a_lost_one_is_reissued(people, pilot, live_app,
                                                                                   tmp_path):
    require(shutil.which("pdftotext") is not None, "pdftotext is missing (Debian package poppler-utils)")
    allocation_id, _ = fresh_allocation(live_app, 3, "Cartoleria Sole & Luna")
    school = school_id(live_app)
    teacher = people(PHONE)
    teacher.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; };")
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        # Leaving inside the app: the first time the teacher stays; a reload goes ahead.
        if dialog.type == "confirm" and dialogs.count("confirm") == 1:
            dialog.dismiss()
        else:
            dialog.accept()

    teacher.on("dialog", on_dialog)
    log_in(teacher, f"/o/school/{school}")
    card = teacher.locator(f'.allocation-card[data-allocation="{allocation_id}"]')
    card.get_by_label("Quanti codici generare").fill("3")
    card.get_by_role("button", name="Genera i codici").click()
    teacher.wait_for_url(re.compile(rf"/o/school/{school}/stampa$"))
    teacher.get_by_text("Queste 3 schede non sono ancora salvate").wait_for()
    printed = shown_cards(teacher)
    assert sorted(printed) == [1, 2, 3] and len(set(printed.values())) == 3

    # The print dialog opens, and the tab is reloaded behind it: the cards are still here.
    teacher.get_by_role("button", name="Stampa", exact=True).click()
    assert teacher.evaluate("window.__printed") == 1
    teacher.reload()
    teacher.get_by_text("Queste 3 schede non sono ancora salvate").wait_for()
    assert shown_cards(teacher) == printed
    assert "beforeunload" in dialogs  # the reload asked before leaving unsaved codes

    # Leaving inside the app asks too; staying keeps the page.
    teacher.get_by_role("link", name="Buoni ricevuti").first.click()
    assert dialogs.count("confirm") == 1
    assert teacher.url.endswith(f"/o/school/{school}/stampa")

    # The PDF, for the class 3B: every card with its number, code, link, value, sponsor, expiry.
    teacher.get_by_label("Classe (facoltativa)").fill("3B")
    pdf = download(teacher, teacher.get_by_role("button", name="Scarica PDF da stampare"), tmp_path / "schede.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for serial, code in printed.items():
        assert f"Scheda n. {serial} · classe 3B" in text and code in text and f"/w/claim/{code}" in text
    assert "Offerto da Cartoleria Sole & Luna" in text and "€ 25,00" in text and "Da attivare entro il" in text

    sheet = download(teacher, teacher.get_by_role("button", name="Scarica CSV"), tmp_path / "schede.csv")
    rows = list(csv.reader(io.StringIO(sheet.read_text("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Scheda", "Classe", "Codice"]
    assert {int(row[0]): row[2] for row in rows[1:]} == printed and {row[1] for row in rows[1:]} == {"3B"}

    # Saved: the teacher confirms; the codes leave the device and leaving no longer asks.
    teacher.get_by_role("button", name="Ho salvato o stampato le schede").click()
    teacher.get_by_role("button", name="Sì, toglili").click()
    teacher.get_by_text("Nessuna scheda da salvare").wait_for()

    # Card 2 is lost: reissued by its number, from the vouchers page.
    teacher.get_by_role("link", name="Buoni ricevuti").first.click()
    teacher.wait_for_url(re.compile(rf"/o/school/{school}$"))
    assert dialogs.count("confirm") == 1
    card = teacher.locator(f'.allocation-card[data-allocation="{allocation_id}"]')
    card.get_by_text("Sostituisci schede perse").click()
    card.get_by_label("Numeri delle schede").fill("2")
    card.get_by_role("button", name="Annulla e sostituisci").click()
    card.get_by_text("Annullare il codice della scheda 2").wait_for()
    card.get_by_role("button", name="Annulla e sostituisci").click()
    teacher.wait_for_url(re.compile(rf"/o/school/{school}/stampa$"))
    teacher.get_by_text("Questa scheda non è ancora salvata").wait_for()
    reissued = shown_cards(teacher)
    assert list(reissued) == [2] and reissued[2] != printed[2]

    # The old card is refused in words; the new one claims the same 25 EUR.
    student = people(PHONE)
    student.goto("/w")
    student.get_by_label("Codice del buono").fill(as_typed(printed[2]))
    student.get_by_role("button", name="Aggiungi", exact=True).click()
    student.get_by_text("Codice annullato").wait_for()
    voucher_id = claim(student, reissued[2])
    with live_app.app_context():
        assert ledger.account("voucher", voucher_id).balance_cents == 2_500
        assert ledger.account("school_allocation", allocation_id).balance_cents == 2 * 2_500
        assert ledger.check_books() == []
        db.session.rollback()


def test_a_class_of_thirty_behind_one_address_claims_at_once(browser, live_server, live_app, pilot):
    """Thirty phones in one classroom share the school's address (tests/server/http/
    test_throttle.py counts the limits with a clock). Here thirty real wallets, one after
    the other from one browser: between students everything the wallet keeps (its
    IndexedDB with the device key, storage, cookies) is wiped, so each student is a new
    device key and a new wallet; the browser's cache stays, so the class fits in well
    under the limiter's minute and nobody is told to wait."""
    allocation_id, _ = fresh_allocation(live_app, 30, "Panificio della Classe")
    with live_app.app_context():
        allocation = vouchers_api.get_allocation(allocation_id, school=db.session.get(
            Organisation, school_id(live_app)), for_update=True)
        codes = vouchers_api.issue_codes(allocation=allocation, count=30, secret=live_app.secret_key)
        db.session.commit()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="it-IT", service_workers="block")
    context.set_default_timeout(30_000)
    page = context.new_page()
    claimed = []
    for code in codes:
        page.goto("/manifest.webmanifest")  # no app here: nothing holds the database open
        page.evaluate("""() => { localStorage.clear(); sessionStorage.clear();
          return new Promise((done, failed) => { const r = indexedDB.deleteDatabase('mentoring');
            r.onsuccess = done; r.onerror = failed; r.onblocked = failed; }); }""")
        context.clear_cookies()
        claimed.append(claim(page, code))
    context.close()
    assert len(set(claimed)) == 30
    with live_app.app_context():
        wallets = db.session.scalars(sa.select(Voucher.wallet_id).where(Voucher.id.in_(claimed))).all()
        assert len(set(wallets)) == 30  # thirty device keys, thirty wallets
        assert ledger.account("school_allocation", allocation_id).balance_cents == 0
        assert all(ledger.account("voucher", v).balance_cents == 2_500 for v in claimed)
        assert ledger.check_books() == []
        db.session.rollback()
