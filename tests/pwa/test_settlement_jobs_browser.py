"""The operator starts a settlement run big enough to be a job, and a bank statement
import big enough to be one, in real Chromium at phone size: each answer (202) becomes
a progress bar that follows the job (GET /jobs/<id>), then what it made. Without Redis
the job runs inline before the answer: the bar is seen at its end state, 100 %, and the
page gets there by polling, never by a reload. Checked with axe."""
import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from server import demo
from server.extensions import db
from server.ledger import api as ledger_api
from server.settlement.models import SettlementRun
from tests.pwa.conftest import serious_violations
from tests.pwa.test_org_browser import log_in
from tests.pwa.test_payments_browser import _checked_in_booking_two_days_ago, _pending_topup, _status
from tests.server.banking.builder import Camt

pytestmark = pytest.mark.browser


def _books_balance(app):
    with app.app_context():
        assert ledger_api.check_books() == []
        db.session.rollback()


def test_the_operator_starts_a_big_run_and_sees_its_progress_then_the_run(page, live_app, pilot, monkeypatch):
    _checked_in_booking_two_days_ago(live_app, pilot)
    monkeypatch.setitem(live_app.config, "SETTLEMENT_INLINE_MAX", 0)  # any venue owed makes it a job
    log_in(page, demo.ADMIN_EMAIL, "/o/admin/pagamenti")
    page.get_by_role("heading", name="Liquidazioni ai luoghi").wait_for()

    page.get_by_role("button", name="Avvia liquidazione").click()

    form = page.locator(".settlement-new")
    started = form.get_by_text(re.compile(r"Liquidazione \d+ avviata"))
    started.wait_for()
    run_id = int(re.search(r"Liquidazione (\d+)", started.inner_text()).group(1))
    progress = form.locator(".job-progress")
    expect(progress).to_have_attribute("data-state", "done")
    assert form.get_by_role("progressbar", name="Avanzamento").get_attribute("aria-valuenow") == "100"
    form.get_by_text(re.compile(rf"Liquidazione {run_id} pronta: \d+ (luogo elaborato|luoghi elaborati)\.")).wait_for()
    with live_app.app_context():
        assert db.session.get(SettlementRun, run_id).status == "open"
        db.session.rollback()

    # The job's end opens the run, complete: its transfers and the bank file.
    run = page.locator(f'.settlement-run-list [data-run="{run_id}"]')
    expect(run).to_have_attribute("data-status", "open")
    run.get_by_role("button", name="Scarica file per la banca (pain.001)").wait_for()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _books_balance(live_app)


def test_the_operator_imports_a_big_statement_and_sees_its_progress_then_the_counts(page, live_app, pilot,
                                                                                    monkeypatch):
    topups = [_pending_topup(live_app, 12_300 + n) for n in range(3)]
    statement = Camt(message_id=f"MSG-{uuid.uuid4().hex[:12]}")
    for (_, reference), n in zip(topups, range(3)):
        statement.credit(12_300 + n, reference=reference, name="Forno della Darsena S.r.l.")
    monkeypatch.setitem(live_app.config, "STATEMENT_INLINE_MAX_LINES", 2)
    monkeypatch.setitem(live_app.config, "STATEMENT_JOB_CHUNK", 2)
    log_in(page, demo.ADMIN_EMAIL, "/o/admin/pagamenti")
    page.get_by_label("File XML dell’estratto conto").set_input_files(
        files=[{"name": "BPM_grande.xml", "mimeType": "application/xml", "buffer": statement.xml()}])
    page.get_by_role("button", name="Controlla").click()
    page.get_by_role("region", name="Controlla").get_by_text("3 ricariche confermate").wait_for()

    page.get_by_role("button", name="Importa").click()

    progress = page.locator(".bank-upload .job-progress")
    expect(progress).to_have_attribute("data-state", "done")
    assert progress.get_by_role("progressbar", name="Avanzamento").get_attribute("aria-valuenow") == "100"
    progress.get_by_text("3 di 3").wait_for()
    progress.get_by_text("Estratto importato: 3 ricariche confermate, 0 bonifici pagati, 0 movimenti da decidere.") \
        .wait_for()
    assert [_status(live_app, topup_id) for topup_id, _ in topups] == ["confirmed"] * 3
    page.locator(".bank-history").get_by_text("BPM_grande.xml").first.wait_for()
    assert serious_violations(page) == []
    _books_balance(live_app)
