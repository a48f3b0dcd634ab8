"""Time at the door (issue 15) in real Chromium: phones whose clocks are ten minutes off
(Playwright's clock emulation, one browser context per phone) still admit students.

The wallet and the scanner learn the server's time on their first contact (Server-Time,
pwa/src/clock.js). The wallet then signs its time steps on it, and the scanner decides
offline on it, warns about its own clock, and signs records whose scan time is the
server's while the phone's own clock rides in the clock trailer: the server stores both.
"""
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.door.models import ScanRecord
from server.extensions import db
from signing import verify_presentation
from tests.pwa.test_scanner_browser import dismiss, enrol, type_code, wait_for_pending
from tests.pwa.test_wallet_browser import LUMEN, claim, decode_qr, public_keys, venue_scope

pytestmark = pytest.mark.browser

TEN_MINUTES = 600


def phone_with_clock(people, offset_seconds: int):
    """A phone (its own browser context) whose clock runs `offset_seconds` off the real time."""
    page = people()
    page.clock.install(time=datetime.now(timezone.utc) + timedelta(seconds=offset_seconds))
    return page


def stored_scans(app, scanner_id: int) -> list[tuple]:
    with app.app_context():
        found = db.session.execute(
            sa.select(ScanRecord.outcome, ScanRecord.scanned_at, ScanRecord.phone_scanned_at)
            .where(ScanRecord.scanner_id == scanner_id)).all()
        db.session.rollback()
        return [tuple(row) for row in found]


@pytest.mark.parametrize(("wallet_offset", "scanner_offset"), [
    (TEN_MINUTES, 0), (0, -TEN_MINUTES), (-TEN_MINUTES, TEN_MINUTES)],
    ids=["wallet ahead", "scanner behind", "wallet behind, scanner ahead"])
def test_phones_ten_minutes_off_admit_offline_and_sync_true_scan_times(
        people, pilot, live_app, wallet_offset, scanner_offset):
    wallet = phone_with_clock(people, wallet_offset)
    claim(wallet, pilot.claim_code(LUMEN).code)
    wallet.locator("figure.presentation svg").wait_for()

    scanner = phone_with_clock(people, scanner_offset)
    scanner_id, _ = enrol(scanner)
    warning = scanner.locator(".sc-clock")
    if scanner_offset:
        # Its own clock is off, and it says so (Italian first), with the sign of the error.
        warning.wait_for()
        words = "avanti" if scanner_offset > 0 else "indietro"
        assert f"L'orologio di questo telefono è {words} di 10 min" in warning.inner_text()
        assert "l'ora del server" in warning.inner_text()
        assert abs(int(warning.get_attribute("data-offset-seconds")) + scanner_offset) <= 5
    else:
        assert warning.count() == 0

    # No signal at the door for either phone.
    wallet.context.set_offline(True)
    scanner.context.set_offline(True)
    before = int(time.time())
    shown = decode_qr(wallet.locator(".qr-frame svg"))
    # The code is for the real time step, whatever the wallet phone's clock says.
    keys, scope = public_keys(live_app), venue_scope(live_app, "Teatro dei Navigli", "teatro")
    verify_presentation(shown, keys=keys, now=before, scope=scope, max_skew_seconds=90)

    scanner.get_by_label("Importo da pagare col buono (€)").fill("5,00")
    verdict = type_code(scanner, shown)
    after = int(time.time())
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("accepted", "accepted")
    dismiss(scanner)

    scanner.context.set_offline(False)
    wait_for_pending(scanner, 0)
    ((outcome, scanned_at, phone_scanned_at),) = stored_scans(live_app, scanner_id)
    assert outcome == "redeemed"
    # The scan time is the real one (seconds are whole, the offset good to its round trip)...
    assert before - 2 <= scanned_at.timestamp() <= after + 2
    # ...and the phone's own clock is kept beside it.
    assert abs((phone_scanned_at - scanned_at).total_seconds() - scanner_offset) <= 2
