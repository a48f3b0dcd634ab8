"""A big statement import whose job fails in its second chunk, in real Chromium at phone
size: the bar says it did not succeed and offers Riprova, the import list says "Non
riuscita"; the page shows one Riprova for it, under the bar while the upload follows it,
else on its card. Resumed under the bar it fails again; after a reload, once the cause is
mended, Riprova in the list finishes it from where it stopped, each top-up confirmed
once, and no Riprova is left. Checked with axe."""
import uuid

import pytest
from playwright.sync_api import expect

from server import demo
from server.banking import api as banking_api
from tests.pwa.conftest import serious_violations
from tests.pwa.test_org_browser import log_in
from tests.pwa.test_payments_browser import _pending_topup, _status
from tests.pwa.test_settlement_jobs_browser import _books_balance
from tests.server.banking.builder import Camt

pytestmark = pytest.mark.browser


def test_a_failed_import_is_shown_as_such_and_finished_with_riprova(page, live_app, pilot, monkeypatch):
    topups = [_pending_topup(live_app, 14_500 + n) for n in range(5)]
    statement = Camt(message_id=f"MSG-{uuid.uuid4().hex[:12]}")
    for n, (_, reference) in enumerate(topups):
        statement.credit(14_500 + n, reference=reference, name="Forno della Darsena S.r.l.")
    monkeypatch.setitem(live_app.config, "STATEMENT_INLINE_MAX_LINES", 2)
    monkeypatch.setitem(live_app.config, "STATEMENT_JOB_CHUNK", 2)
    real, calls = banking_api.import_lines, []

    def fails_in_the_second_chunk(*args, **kwargs):  # the live server runs in this process
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) in (2, 3):  # the import, then its first resume
            raise RuntimeError("the database went away")

    monkeypatch.setattr(banking_api, "import_lines", fails_in_the_second_chunk)
    file_name = f"BPM_{uuid.uuid4().hex[:6]}.xml"
    log_in(page, demo.ADMIN_EMAIL, "/o/admin/pagamenti")
    page.get_by_label("File XML dell’estratto conto").set_input_files(
        files=[{"name": file_name, "mimeType": "application/xml", "buffer": statement.xml()}])
    page.get_by_role("button", name="Controlla").click()
    page.get_by_role("region", name="Controlla").get_by_text("5 ricariche confermate").wait_for()

    page.get_by_role("button", name="Importa").click()

    progress = page.locator(".bank-upload .job-progress")
    expect(progress).to_have_attribute("data-state", "failed")
    progress.get_by_text("L’importazione non è riuscita: i movimenti già importati restano.", exact=False).wait_for()
    page.locator(".bank-upload").get_by_role("button", name="Riprova").wait_for()
    card = page.locator(".bank-history li", has_text=file_name)
    expect(card).to_have_attribute("data-status", "failed")
    card.get_by_text("Non riuscita").wait_for()
    card.get_by_text("2 ricariche confermate").wait_for()
    riprova = page.get_by_role("button", name="Riprova")
    expect(riprova).to_have_count(1)  # under the bar only: the card's would resume the same job (409)
    assert [_status(live_app, topup_id) for topup_id, _ in topups] == ["confirmed"] * 2 + ["pending"] * 3
    assert serious_violations(page) == []

    first_round = progress.element_handle()
    riprova.click()  # fails again in the same chunk
    # The resumed job is followed by a new bar: until the old one is gone, "failed" is
    # still the first round's.
    first_round.wait_for_element_state("hidden")
    expect(progress).to_have_attribute("data-state", "failed")
    expect(card).to_have_attribute("data-status", "failed")
    expect(riprova).to_have_count(1)
    expect(page.locator(".bank-upload").get_by_role("button", name="Riprova")).to_have_count(1)
    assert len(calls) == 3

    page.reload()  # the upload section is empty now: the card offers Riprova
    card.get_by_text("Non riuscita").wait_for()
    expect(riprova).to_have_count(1)
    expect(card.get_by_role("button", name="Riprova")).to_have_count(1)
    monkeypatch.setattr(banking_api, "import_lines", real)  # the cause mended
    card.get_by_role("button", name="Riprova").click()

    card.get_by_text("Estratto importato: 5 ricariche confermate, 0 bonifici pagati, 0 movimenti da decidere.") \
        .wait_for()
    expect(card).to_have_attribute("data-status", "imported")
    expect(riprova).to_have_count(0)
    assert [_status(live_app, topup_id) for topup_id, _ in topups] == ["confirmed"] * 5
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _books_balance(live_app)
