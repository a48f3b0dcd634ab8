"""A student's thanks: after the voucher paid at a door, its page offers the preset
thanks (no free text); one tap sends it and the page confirms, also after a reload.
At 360×640, axe-clean, no horizontal scroll."""
import time

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.thanks.models import Thanks
from tests.pwa.conftest import serious_violations
from tests.pwa.test_scanner_door_browser import enrol_in_python, sync_one
from tests.pwa.test_wallet_browser import LUMEN, claim, decode_qr

pytestmark = pytest.mark.browser


def test_a_student_sends_thanks_after_a_redemption(page, pilot, live_app):
    voucher_id = claim(page, pilot.claim_code(LUMEN).code)
    page.locator(".qr-frame svg").wait_for()
    assert page.get_by_role("button", name="Grazie!").count() == 0  # not used yet: nothing to thank for

    # The theatre's phone reads the QR and syncs the payment.
    scanner_id, key = enrol_in_python(live_app, "Teatro dei Navigli", "Cassa ringraziamenti")
    shown = decode_qr(page.locator(".qr-frame svg"))
    at = int(time.time()) + 1  # after the enrolment, within the skew
    assert sync_one(live_app, scanner_id, key, shown, scanned_at=at, amount_cents=500)["outcome"] == "redeemed"

    page.reload()
    page.get_by_role("heading", name="Di’ grazie a chi ti ha regalato il buono").wait_for()
    assert page.locator(".thanks textarea, .thanks input[type=text]").count() == 0  # presets only
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 360, "height": 640})

    page.get_by_role("button", name="Ci tornerò").click()
    page.get_by_role("status").filter(has_text="Grazie inviato: «Ci tornerò».").wait_for()
    assert page.locator(".thanks button").count() == 0
    page.reload()
    page.get_by_text("Grazie inviato: «Ci tornerò».").wait_for()
    assert serious_violations(page) == []
    with live_app.app_context():
        assert db.session.scalar(sa.select(Thanks.choice).filter_by(voucher_id=voucher_id)) == "ci-torno"
        db.session.rollback()
